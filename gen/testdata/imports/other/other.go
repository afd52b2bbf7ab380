// Package other is imported under an alias.
package other

// Thing is a thing.
type Thing struct{ X int }
