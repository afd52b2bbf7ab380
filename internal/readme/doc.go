// Package readme holds a test that follows the README's "Use it in your
// module" section as a new user would: it runs the section's commands and
// its program exactly as written there. The package has no code of its own.
package readme
