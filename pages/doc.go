// Package pages draws the staff pages: server-rendered html/template pages
// (web/*.html, embedded, no build step, readable at 360 px), their view
// models (views.go), each role's home (home.go), the village books
// (village.go), spending-progress charts as SVG (charts.go), the plain
// Chinese of internal values (plain.go: entry types, actors, schedules,
// durations, times) and the .xlsx downloads of the lists (xlsx.go). The
// handlers live in package api (the only gin importer); they fill the view
// models.
package pages
