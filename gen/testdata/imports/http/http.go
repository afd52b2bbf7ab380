// Package http has the name of net/http.
package http

// Header is not net/http's.
type Header struct{ Key, Value string }
