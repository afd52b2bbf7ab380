// Package iter is named like the standard library's iter.
package iter

// Item is a generic type of a package named iter.
type Item[T any] struct{ V T }
