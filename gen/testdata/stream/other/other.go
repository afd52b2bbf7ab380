// Package other declares a type a stream of another package carries.
package other

// Level is a named type of another package.
type Level int
