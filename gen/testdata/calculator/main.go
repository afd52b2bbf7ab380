package main

import (
	"log"
	"net/http"
)

// main serves the calculator over HTTP; it also shows that code calling the
// generated functions does not stop regeneration.
func main() {
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", NewCalculatorHTTPHandler(calculator{})))
}
