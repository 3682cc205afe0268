package wrapper

// SetupError is awsrun failing to set up its own local resources for the child (the private
// directory and its files, the loopback endpoint): nothing about the profile or AWS, so the
// fix is on this machine. cmd/awsrun exits 70 for it.
type SetupError struct {
	// Dir is the directory awsrun could not write in; empty for the endpoint.
	Dir string
	Err error
}

func (e *SetupError) Error() string { return e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }
