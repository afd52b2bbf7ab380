//go:build !race

package netrpcx_test

const raceSlack = 0
