package wrapper

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// fixedUpstream answers at once with one-hour credentials (the benchmarks time the keeper, not AWS).
type fixedUpstream struct{}

func (fixedUpstream) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "ASIABENCH", SecretAccessKey: "secret", SessionToken: "token",
		CanExpire: true, Expires: time.Now().Add(time.Hour), Source: "bench"}, nil
}

// BenchmarkKeeperRetrieve is the endpoint's per-request read: an atomic load and an expiry
// check, from many goroutines at once.
func BenchmarkKeeperRetrieve(b *testing.B) {
	k := &keeper{src: fixedUpstream{}, now: wallNow, budget: time.Second}
	if _, err := k.refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.Retrieve(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSnapshotSwap is a renewal without the upstream call: the flight, the swap and the
// change notifications, while readers keep loading the current snapshot.
func BenchmarkSnapshotSwap(b *testing.B) {
	k := &keeper{src: fixedUpstream{}, now: wallNow, budget: time.Second, changed: make(chan struct{}, 1)}
	k.onChange = func(old, n *snapshot) {}
	ctx := context.Background()
	if _, err := k.refresh(ctx); err != nil {
		b.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				_ = k.current()
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := k.refresh(ctx); err != nil {
			b.Fatal(err)
		}
		select {
		case <-k.changed:
		default:
		}
	}
	b.StopTimer()
	close(stop)
	<-done
}
