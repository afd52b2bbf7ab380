// Package other declares a type the bidi services stream from another
// package.
package other

// Level is a named integer.
type Level int
