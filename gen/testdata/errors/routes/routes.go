// Package routes has routes that cannot bind or that collide.
package routes

import "context"

type Filter struct{ Prefix string }

//stdrpc:service
type Routes interface {
	//stdrpc:http GET /a/{x}
	NoParam(ctx context.Context, id int) error
	//stdrpc:http GET /b
	StructQuery(ctx context.Context, f Filter) error
	//stdrpc:http GET /c
	StructInQuery(ctx context.Context, id int, f Filter) error
	//stdrpc:http GET /d/{ids}
	SlicePath(ctx context.Context, ids []int) error
	//stdrpc:http GET /e/{id}
	One(ctx context.Context, id int) error
	//stdrpc:http GET /e/{name}
	Two(ctx context.Context, name string) error
	//stdrpc:http POST /Routes/One
	Three(ctx context.Context) error
	//stdrpc:http GET /f/{
	Malformed(ctx context.Context) error
	//stdrpc:http GET /g/{a}/{a}
	Duplicate(ctx context.Context, a int) error
	//stdrpc:http PUT /h/{Name}
	NoField(ctx context.Context, t Tagged) error
	//stdrpc:http PUT /i/{tags}
	SliceField(ctx context.Context, t *Tagged) error
}

type Tagged struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}
