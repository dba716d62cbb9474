// Package pages draws the staff pages (issue 7 of the project; started
// with the monitors' path): server-rendered html/template pages, embedded,
// no build step, readable at 360 px. The handlers live in the api package
// (the only gin importer); they fill the view models below.
package pages
