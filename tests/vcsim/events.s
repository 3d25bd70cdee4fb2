// SPDX-License-Identifier: MIT

// No code: an assembly file lets the package declare a function without a
// body, which events.go needs for its go:linkname to vcsim's
// SessionManager.getSession (the Go compiler refuses bodyless functions in
// a package without one).
