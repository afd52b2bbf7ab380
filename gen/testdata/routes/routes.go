// Package routes has methods with //stdrpc:http routes of every binding:
// path wildcards, query parameters, a whole-request body, a body that is one
// struct parameter, wildcards bound to fields of a lone struct, and no body.
package routes

import (
	"context"
	"time"
)

// User is a user.
type User struct {
	ID   int
	Name string
}

// Filter is a lone struct parameter.
type Filter struct {
	Prefix string
}

// Item is stored under its key.
type Item struct {
	Key   string `json:"key"`
	Value []byte `json:"value,omitempty"`
	Rev   int    `json:"rev"`
}

//stdrpc:service
type Users interface {
	// Get returns a user.
	//stdrpc:http GET /users/{id}
	Get(ctx context.Context, id int) (User, error)

	// List lists users with optional filters from the query string.
	//stdrpc:http GET /users
	List(ctx context.Context, prefix string, tags []string, since time.Time, limit int) ([]User, error)

	// Update replaces the user id with u: the body is u alone.
	//stdrpc:http PUT /users/{id}
	Update(ctx context.Context, id int, u User) (User, error)

	// Rename changes a user's name: the body is the request envelope.
	//stdrpc:http POST /users/{id}/rename
	Rename(ctx context.Context, id int, name string, reason string) (User, error)

	// Delete removes a user.
	//stdrpc:http DELETE /users/{id}
	Delete(ctx context.Context, id int, hard bool) error

	// Find takes a lone struct, sent as the body.
	//stdrpc:http POST /users/find
	Find(ctx context.Context, f Filter) ([]User, error)

	// Put stores item under the key in the path: the body is the whole
	// item, and the wildcard then sets its key.
	//stdrpc:http PUT /items/{key}
	Put(ctx context.Context, item Item) (Item, error)

	// Patch takes a pointer to a lone struct, two of its fields bound.
	//stdrpc:http PATCH /items/{key}/{rev}
	Patch(ctx context.Context, item *Item) (*Item, error)

	// File serves a path with slashes.
	//stdrpc:http GET /files/{path...}
	File(ctx context.Context, path string) (string, error)

	// Touch has no parameters but the route.
	//stdrpc:http POST /touch
	//stdrpc:http PUT /touch
	Touch(ctx context.Context) (int, error)
}
