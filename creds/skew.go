package creds

import (
	"context"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// serverTimeID names the middleware in the SDK's stacks.
const serverTimeID = "awsrun.ServerTime"

// serverTimeOption adds, to every operation of every client built from the config (the SSO,
// SSO OIDC and STS clients inside the SDK's credential providers included), a middleware that
// reports AWS's clock: the Date header of each HTTP response, with the local times just before
// the request went out and just after the response came back, so the caller can allow for the
// round trip. Responses without a usable Date header are not reported.
func serverTimeOption(report func(server, sent, received time.Time)) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		// After: the innermost deserialize middleware, right next to the transport, so the
		// times bracket the wire and the header is read before any deserializer turns an
		// error answer (a clock-skew rejection) into an error.
		return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc(serverTimeID,
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				sent := time.Now()
				out, md, err := next.HandleDeserialize(ctx, in)
				received := time.Now()
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil && resp.Response != nil {
					if date := resp.Header.Get("Date"); date != "" {
						if server, perr := smithyhttp.ParseTime(date); perr == nil {
							report(server, sent, received)
						}
					}
				}
				return out, md, err
			}), middleware.After)
	}
}
