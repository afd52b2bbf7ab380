// Package v1 is the other package named v1.
package v1

// Account is an account.
type Account struct{ ID int }
