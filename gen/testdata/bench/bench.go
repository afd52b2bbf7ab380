// Package bench has a service of 50 methods over varied types; the
// generator's benchmark generates it.
package bench

import (
	"context"
	"time"
)

// User is a user.
type User struct {
	ID    int64
	Name  string
	Tags  []string
	Added time.Time
}

// Page is a page of items.
type Page[T any] struct {
	Items []T
	Next  string
}

// List is a generic alias.
type List[T any] = []T

// Celsius is a temperature.
type Celsius float64

// Big has 50 methods.
//
//stdrpc:service
type Big interface {
	// Method00 is method number 0.
	Method00(ctx context.Context, a, b int) (int, error)
	// Method01 is method number 1.
	//stdrpc:http GET /users1/{name}
	Method01(ctx context.Context, name string) (User, error)
	// Method02 is method number 2.
	Method02(ctx context.Context, u User) (User, error)
	// Method03 is method number 3.
	//stdrpc:http PUT /users3
	Method03(ctx context.Context, u *User) (*User, error)
	// Method04 is method number 4.
	Method04(ctx context.Context, data []byte) ([]byte, error)
	// Method05 is method number 5.
	Method05(ctx context.Context, at time.Time, d time.Duration) (time.Time, error)
	// Method06 is method number 6.
	Method06(ctx context.Context, m map[string]int, ids []int64) (map[int64]string, error)
	// Method07 is method number 7.
	//stdrpc:http GET /pages7
	Method07(ctx context.Context, limit int, cursor string) (Page[User], error)
	// Method08 is method number 8.
	Method08(ctx context.Context, xs ...float64) (float64, error)
	// Method09 is method number 9.
	Method09(ctx context.Context) error
	// Method10 is method number 10.
	//stdrpc:http DELETE /items10/{id}
	Method10(ctx context.Context, id int, tags []string) (n int, ok bool, err error)
	// Method11 is method number 11.
	Method11(ctx context.Context, a [4]int, c Celsius) ([2]Celsius, error)
	// Method12 is method number 12.
	//stdrpc:http POST /users12/{id}
	Method12(ctx context.Context, id int, u User) error
	// Method13 is method number 13.
	Method13(ctx context.Context, ps List[User]) (count int, names []string, err error)
	// Method14 is method number 14.
	Method14(ctx context.Context, s string) error
	// Method15 is method number 15.
	Method15(ctx context.Context, a, b int) (int, error)
	// Method16 is method number 16.
	//stdrpc:http GET /users16/{name}
	Method16(ctx context.Context, name string) (User, error)
	// Method17 is method number 17.
	Method17(ctx context.Context, u User) (User, error)
	// Method18 is method number 18.
	//stdrpc:http PUT /users18
	Method18(ctx context.Context, u *User) (*User, error)
	// Method19 is method number 19.
	Method19(ctx context.Context, data []byte) ([]byte, error)
	// Method20 is method number 20.
	Method20(ctx context.Context, at time.Time, d time.Duration) (time.Time, error)
	// Method21 is method number 21.
	Method21(ctx context.Context, m map[string]int, ids []int64) (map[int64]string, error)
	// Method22 is method number 22.
	//stdrpc:http GET /pages22
	Method22(ctx context.Context, limit int, cursor string) (Page[User], error)
	// Method23 is method number 23.
	Method23(ctx context.Context, xs ...float64) (float64, error)
	// Method24 is method number 24.
	Method24(ctx context.Context) error
	// Method25 is method number 25.
	//stdrpc:http DELETE /items25/{id}
	Method25(ctx context.Context, id int, tags []string) (n int, ok bool, err error)
	// Method26 is method number 26.
	Method26(ctx context.Context, a [4]int, c Celsius) ([2]Celsius, error)
	// Method27 is method number 27.
	//stdrpc:http POST /users27/{id}
	Method27(ctx context.Context, id int, u User) error
	// Method28 is method number 28.
	Method28(ctx context.Context, ps List[User]) (count int, names []string, err error)
	// Method29 is method number 29.
	Method29(ctx context.Context, s string) error
	// Method30 is method number 30.
	Method30(ctx context.Context, a, b int) (int, error)
	// Method31 is method number 31.
	//stdrpc:http GET /users31/{name}
	Method31(ctx context.Context, name string) (User, error)
	// Method32 is method number 32.
	Method32(ctx context.Context, u User) (User, error)
	// Method33 is method number 33.
	//stdrpc:http PUT /users33
	Method33(ctx context.Context, u *User) (*User, error)
	// Method34 is method number 34.
	Method34(ctx context.Context, data []byte) ([]byte, error)
	// Method35 is method number 35.
	Method35(ctx context.Context, at time.Time, d time.Duration) (time.Time, error)
	// Method36 is method number 36.
	Method36(ctx context.Context, m map[string]int, ids []int64) (map[int64]string, error)
	// Method37 is method number 37.
	//stdrpc:http GET /pages37
	Method37(ctx context.Context, limit int, cursor string) (Page[User], error)
	// Method38 is method number 38.
	Method38(ctx context.Context, xs ...float64) (float64, error)
	// Method39 is method number 39.
	Method39(ctx context.Context) error
	// Method40 is method number 40.
	//stdrpc:http DELETE /items40/{id}
	Method40(ctx context.Context, id int, tags []string) (n int, ok bool, err error)
	// Method41 is method number 41.
	Method41(ctx context.Context, a [4]int, c Celsius) ([2]Celsius, error)
	// Method42 is method number 42.
	//stdrpc:http POST /users42/{id}
	Method42(ctx context.Context, id int, u User) error
	// Method43 is method number 43.
	Method43(ctx context.Context, ps List[User]) (count int, names []string, err error)
	// Method44 is method number 44.
	Method44(ctx context.Context, s string) error
	// Method45 is method number 45.
	Method45(ctx context.Context, a, b int) (int, error)
	// Method46 is method number 46.
	//stdrpc:http GET /users46/{name}
	Method46(ctx context.Context, name string) (User, error)
	// Method47 is method number 47.
	Method47(ctx context.Context, u User) (User, error)
	// Method48 is method number 48.
	//stdrpc:http PUT /users48
	Method48(ctx context.Context, u *User) (*User, error)
	// Method49 is method number 49.
	Method49(ctx context.Context, data []byte) ([]byte, error)
}
