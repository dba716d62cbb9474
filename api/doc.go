// Package api is the HTTP face of Sunshine Ledger: the Gin router, its
// middleware, the one error→status table, and the handlers of API.md. It is
// the only package that imports gin. Handlers translate between API bodies
// (DTOs, snake_case JSON) and the domain in package ledger; they hold no
// business rules.
package api
