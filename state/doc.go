// Package state is the per-user registry of running awsrun supervisors, read by
// `awsrun status` and `awsrun export`.
//
// Each supervisor owns three files in one private directory (see Dir): ID.json, its
// description (no secrets: profile, mode, expiry, last error), rewritten atomically;
// ID.lock, flock-ed for the supervisor's whole life, so a reader can tell a live supervisor
// from the leftovers of one that was SIGKILLed even when its pid has been reused; and ID.sock,
// a unix socket on which it answers its current credentials and live status. The directory
// is 0700 and owned by the user, which is what keeps other users off the socket.
package state
