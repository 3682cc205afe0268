package state

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Registry is one user's directory of supervisor entries. Open does no I/O, so a command
// that only reads (status, export) never creates the directory.
type Registry struct{ dir string }

// Open returns the registry in dir (normally Dir(os.Getenv)).
func Open(dir string) *Registry { return &Registry{dir: dir} }

// Dir is the registry's directory.
func (r *Registry) Dir() string { return r.dir }

// maxRegisterAttempts bounds the retry when the directory vanishes under us: the last
// supervisor to leave removes the empty directory, and may do so between our check and create.
const maxRegisterAttempts = 5

// Register adds the calling process to the registry with e's description (ID and PID are set
// here) and keeps it there until Close. The lock is taken before the entry becomes visible, so
// a reader never mistakes a starting supervisor for a dead one.
func (r *Registry) Register(e Entry) (*Handle, error) {
	var lastErr error
	for range maxRegisterAttempts {
		err := ensureDir(r.dir)
		var h *Handle
		if err == nil {
			h, err = r.register(e)
		}
		if errors.Is(err, fs.ErrNotExist) {
			lastErr = err
			continue
		}
		return h, err
	}
	return nil, fmt.Errorf("register in %s: %w", r.dir, lastErr)
}

func (r *Registry) register(e Entry) (*Handle, error) {
	id := fmt.Sprintf("%d-%s", os.Getpid(), randomHex(4))
	// Lock a hidden temp file, then rename it into place: a reader that sees ID.lock therefore
	// always sees it locked while we live.
	tmp, err := os.CreateTemp(r.dir, "."+id+".lock.tmp-*")
	if err != nil {
		return nil, err
	}
	if err := lockFile(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("lock state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), r.path(id, ".lock")); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	e.ID, e.PID = id, os.Getpid()
	if e.Started.IsZero() {
		e.Started = time.Now()
	}
	e.Live = false
	h := &Handle{r: r, id: id, lock: tmp, e: e}
	if err := h.write(); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// isID matches the names Register gives ("PID-8 hex digits"). The directory is shared with
// other per-user files of awsrun (the login lock), which List must never touch.
func isID(id string) bool {
	pid, suffix, ok := strings.Cut(id, "-")
	if !ok || pid == "" || len(suffix) != 8 {
		return false
	}
	for _, c := range pid {
		if c < '0' || c > '9' {
			return false
		}
	}
	for _, c := range suffix {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

func (r *Registry) path(id, ext string) string { return filepath.Join(r.dir, id+ext) }

// List returns the entries of live supervisors, oldest first. Entries whose owner is gone
// (its lock is free: it exited without cleaning up, or was killed) are removed on the way.
// A registry that does not exist yet is empty.
func (r *Registry) List() ([]Entry, error) {
	if err := checkDir(r.dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	des, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", r.dir, err)
	}
	ids := map[string]bool{}
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") {
			continue // temp files of a write in progress
		}
		for _, ext := range []string{".json", ".lock", ".sock"} {
			if id, ok := strings.CutSuffix(name, ext); ok && isID(id) {
				ids[id] = true
			}
		}
	}
	var out []Entry
	for id := range ids {
		if !r.alive(id) {
			continue
		}
		data, err := os.ReadFile(r.path(id, ".json"))
		if err != nil {
			continue // registered a moment ago, entry not written yet; or leaving
		}
		var e Entry
		if json.Unmarshal(data, &e) != nil || e.ID != id {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.Before(out[j].Started)
		}
		return out[i].PID < out[j].PID
	})
	return out, nil
}

// alive reports whether id's owner still holds its lock; if not, its files are removed.
func (r *Registry) alive(id string) bool {
	f, err := os.OpenFile(r.path(id, ".lock"), os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			r.removeFiles(id)
		}
		return false
	}
	defer f.Close()
	held, err := heldByOther(f, id)
	if err != nil || held {
		return true // when in doubt, show it rather than delete a live supervisor's files
	}
	// We hold the dead owner's lock now, so nobody else is cleaning these files.
	r.removeFiles(id)
	os.Remove(f.Name())
	return false
}

// removeFiles deletes a dead supervisor's entry, socket and stray temp files; the lock file
// is the caller's to remove.
func (r *Registry) removeFiles(id string) {
	os.Remove(r.path(id, ".json"))
	os.Remove(r.path(id, ".sock"))
	if stray, err := filepath.Glob(filepath.Join(r.dir, "."+id+".*")); err == nil {
		for _, p := range stray {
			os.Remove(p)
		}
	}
}

// Handle is a registered supervisor's hold on its entry.
type Handle struct {
	r    *Registry
	id   string
	lock *os.File

	mu     sync.Mutex
	e      Entry
	srv    *server
	closed bool
}

// Entry returns the entry as last written.
func (h *Handle) Entry() Entry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.e
}

// Update changes the entry and rewrites its file atomically. ID and PID cannot change.
func (h *Handle) Update(fn func(*Entry)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	id, pid := h.e.ID, h.e.PID
	fn(&h.e)
	h.e.ID, h.e.PID, h.e.Live = id, pid, false
	return h.writeLocked()
}

func (h *Handle) write() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.writeLocked()
}

func (h *Handle) writeLocked() error {
	data, err := json.MarshalIndent(h.e, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	return writeFileAtomic(h.r.path(h.id, ".json"), data)
}

// Close stops the socket server and removes the entry, the socket and the lock, then the
// directory itself if this was the last supervisor, so nothing is left behind. Safe to call
// more than once.
func (h *Handle) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	srv := h.srv
	h.mu.Unlock()
	if srv != nil {
		srv.close()
	}
	h.r.removeFiles(h.id)
	err := os.Remove(h.r.path(h.id, ".lock"))
	h.lock.Close() // releases the lock
	os.Remove(h.r.dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove state: %w", err)
	}
	return nil
}

// writeFileAtomic replaces path with data, 0600, by temp file and rename, so a reader sees the
// old entry or the new one and never half of one.
func writeFileAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", base, err)
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", base, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
