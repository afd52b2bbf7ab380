// Package v1 is one of two packages named v1.
package v1

// User is a user.
type User struct{ Name string }
