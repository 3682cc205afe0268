// Package sigintake registers the signals awsrun forwards to its command while awsrun starts,
// instead of just before the command does, and until the command starts gives each signal the
// action it would have had without the registration.
//
// signal.Notify waits for the runtime's signal thread once per signal (and starts that thread
// on first use): a round trip between two threads each, about 0.3 ms for the six signals on a
// 2-core machine, more when both cores are busy. Started during package initialisation (see
// cmd/awsrun/internal/early), it is done long before the fork. Until then a signal does what it
// did before: ^C at an MFA prompt or SIGTERM during a slow resolution still ends awsrun, and a
// SIGHUP ignored under nohup stays ignored. From HandOver on, the signals are the supervisor's
// to forward.
package sigintake

import (
	"os"
	"os/signal"
	"sync"
)

// Intake holds the forwarded signals from its Start on.
type Intake struct {
	ch         chan os.Signal
	registered chan struct{} // closed when Notify has returned
	stop, done chan struct{} // done: the watch has ended (after Notify returned)
	handed     bool
	closeOnce  sync.Once
	ignored    map[os.Signal]bool // inherited as ignored (nohup): read before Notify un-ignores them

	mu       sync.Mutex // held while a signal gets its default action
	onDeath  func()     // see BeforeDeath
	onSignal func(os.Signal)
}

// Start registers Forwarded in the background and watches them until HandOver or Close.
func Start() *Intake {
	in := &Intake{ch: make(chan os.Signal, 8), registered: make(chan struct{}), stop: make(chan struct{}),
		done: make(chan struct{}), ignored: make(map[os.Signal]bool, len(Forwarded))}
	for _, sig := range Forwarded {
		in.ignored[sig] = signal.Ignored(sig)
	}
	go func() {
		defer close(in.done)
		signal.Notify(in.ch, Forwarded...)
		close(in.registered)
		for {
			select {
			case sig := <-in.ch:
				in.raise(sig)
			case <-in.stop:
				return
			}
		}
	}()
	return in
}

// IgnoredAtStart reports whether sig was ignored when the intake started: for the forwarded
// signals as read before the registration un-ignored them, for the others as it is now.
func (in *Intake) IgnoredAtStart(sig os.Signal) bool {
	if ignored, ok := in.ignored[sig]; ok {
		return ignored
	}
	return signal.Ignored(sig)
}

// OnSignal sets what is told of a signal that gets its default action (awsrun logs it).
func (in *Intake) OnSignal(f func(os.Signal)) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.onSignal = f
}

// BeforeDeath sets what a signal that ends awsrun before the child starts runs first: the
// removal of the private directory, so that a ^C during a slow resolution leaves nothing
// behind. f runs on the intake's goroutine, beside the start-up.
func (in *Intake) BeforeDeath(f func()) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.onDeath = f
}

// raise gives sig its default action; one that ends awsrun runs onDeath first, and the lock
// stays held while awsrun dies.
func (in *Intake) raise(sig os.Signal) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.onSignal != nil {
		in.onSignal(sig)
	}
	raiseDefault(sig, in.ignored[sig], in.onDeath)
}

// HandOver ends the start-up watch and returns the channel the supervisor reads: a signal that
// came before this still gets its default action; later ones are the supervisor's.
func (in *Intake) HandOver() chan os.Signal {
	close(in.stop)
	<-in.done
	in.handed = true
	for {
		select {
		case sig := <-in.ch:
			in.raise(sig)
		default:
			return in.ch
		}
	}
}

// Close undoes the registration (without waiting for the signal loop: nothing reads the
// channel after this, and a signal meanwhile just lands there).
func (in *Intake) Close() {
	in.closeOnce.Do(func() {
		if !in.handed {
			close(in.stop)
			<-in.done
		}
		go signal.Stop(in.ch)
	})
}
