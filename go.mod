module github.com/stdrpc/stdrpc

go 1.24.0
