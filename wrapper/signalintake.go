package wrapper

import (
	"log/slog"
	"os"
	"os/signal"
	"sync"
)

// signalIntake registers the forwarded signals while awsrun starts, instead of just before the
// child does. signal.Notify waits for the runtime's signal thread once per signal (and starts
// that thread on first use): 0.2 to 0.3 ms that now pass beside the profile's resolution.
//
// Until the child starts, a signal does what it did before it was registered (raiseDefault):
// ^C at an MFA prompt or SIGTERM during a slow resolution still ends awsrun, and a SIGHUP
// ignored under nohup stays ignored. From handOver on, the signals are the supervisor's to
// forward.
type signalIntake struct {
	ch         chan os.Signal
	stop, done chan struct{} // done: the watch has ended (after Notify returned)
	handed     bool
	closeOnce  sync.Once
	ignored    map[os.Signal]bool // inherited as ignored (nohup): read before Notify un-ignores them

	mu      sync.Mutex // held while a signal gets its default action
	onDeath func()     // see beforeDeath
}

// beforeDeath sets what a signal that ends awsrun before the child starts runs first: the
// removal of the private directory, so that a ^C during a slow resolution leaves nothing
// behind. f runs on the intake's goroutine, beside the start-up.
func (si *signalIntake) beforeDeath(f func()) {
	si.mu.Lock()
	defer si.mu.Unlock()
	si.onDeath = f
}

// raise gives sig its default action; one that ends awsrun runs onDeath first, and the lock
// stays held while awsrun dies.
func (si *signalIntake) raise(sig os.Signal) {
	si.mu.Lock()
	defer si.mu.Unlock()
	raiseDefault(sig, si.ignored[sig], si.onDeath)
}

// newSignalIntake registers the forwarded signals in the background.
func newSignalIntake(log *slog.Logger) *signalIntake {
	si := &signalIntake{ch: make(chan os.Signal, 8), stop: make(chan struct{}), done: make(chan struct{}),
		ignored: map[os.Signal]bool{}}
	for _, sig := range forwardedSignals {
		si.ignored[sig] = signal.Ignored(sig)
	}
	go func() {
		defer close(si.done)
		signal.Notify(si.ch, forwardedSignals...)
		for {
			select {
			case sig := <-si.ch:
				log.Debug("signal before the command started: its default action", "signal", sig.String())
				si.raise(sig)
			case <-si.stop:
				return
			}
		}
	}()
	return si
}

// handOver ends the start-up watch and returns the channel the supervisor reads: a signal that
// came before this still gets its default action; later ones are the supervisor's.
func (si *signalIntake) handOver() chan os.Signal {
	close(si.stop)
	<-si.done
	si.handed = true
	for {
		select {
		case sig := <-si.ch:
			si.raise(sig)
		default:
			return si.ch
		}
	}
}

// close undoes the registration (without waiting for the signal loop: nothing reads the
// channel after this, and a signal meanwhile just lands there).
func (si *signalIntake) close() {
	si.closeOnce.Do(func() {
		if !si.handed {
			close(si.stop)
			<-si.done
		}
		go signal.Stop(si.ch)
	})
}
