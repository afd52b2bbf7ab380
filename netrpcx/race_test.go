//go:build race

package netrpcx_test

// raceSlack is added to the bounds of timing checks: the race detector
// slows everything several times.
const raceSlack = 250e6
