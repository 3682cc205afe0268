package watch

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultDebounce is the quiet period used when Options.Debounce is zero. It is long enough to
// cover a truncate-then-write or a temp-file-then-rename, and short next to the minutes a
// credential refresh may take.
const DefaultDebounce = 100 * time.Millisecond

// Options says what to watch.
type Options struct {
	// Files are absolute paths of files whose changes matter, such as the effective AWS config
	// file, the shared credentials file or one ~/.aws/sso/cache/<sha1>.json token. Their parent
	// directories are watched and events are filtered by name, because atomic writers replace the
	// inode and a watch on the file itself would be lost.
	Files []string

	// Dirs are absolute directories in which every file counts, such as ~/.aws/sso/cache.
	// Temporary names (ending in .tmp or containing .tmp-) are ignored there: writers that
	// replace files atomically create them on the way.
	Dirs []string

	// Kinds labels entries of Files and Dirs (the same path as given there) with what they
	// hold; an Event reports each changed path's label in Event.Kinds: a file's own, else that
	// of the directory of Dirs it is in. Unlabelled paths are KindOther.
	Kinds map[string]Kind

	// Debounce is the quiet period that collapses a burst of changes into one Event.
	// Zero means DefaultDebounce.
	Debounce time.Duration

	// Logger receives watch errors and lost watches. Nil discards them.
	Logger *slog.Logger
}

// spec is Options after validation, arranged for lookups by event name.
type spec struct {
	files    map[string]bool     // the wanted files
	kinds    map[string]Kind     // labels of wanted files and directories, by clean path
	filesIn  map[string][]string // wanted files by parent directory, for scanning a directory that appears
	dirs     map[string]bool     // directories in which every file counts
	want     []string            // directories that must be watched: parents of files, and dirs; sorted
	onPath   map[string]bool     // every wanted directory and every ancestor of one
	maxDepth int                 // components in the deepest wanted directory; bounds the reconcile rounds
	debounce time.Duration
	log      *slog.Logger
}

func (o Options) spec() (*spec, error) {
	if len(o.Files) == 0 && len(o.Dirs) == 0 {
		return nil, errors.New("nothing to watch: no files and no directories given")
	}
	if o.Debounce < 0 {
		return nil, fmt.Errorf("negative debounce %v", o.Debounce)
	}
	s := &spec{
		files:    map[string]bool{},
		kinds:    map[string]Kind{},
		filesIn:  map[string][]string{},
		dirs:     map[string]bool{},
		onPath:   map[string]bool{},
		debounce: o.Debounce,
		log:      o.Logger,
	}
	if s.debounce == 0 {
		s.debounce = DefaultDebounce
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	wanted := map[string]bool{}
	for _, f := range o.Files {
		p, err := absClean(f)
		if err != nil {
			return nil, fmt.Errorf("file %q: %w", f, err)
		}
		if filepath.Dir(p) == p {
			return nil, fmt.Errorf("file %q: a root directory is not a file", f)
		}
		if !s.files[p] {
			s.files[p] = true
			s.filesIn[filepath.Dir(p)] = append(s.filesIn[filepath.Dir(p)], p)
		}
		wanted[filepath.Dir(p)] = true
	}
	for _, d := range o.Dirs {
		p, err := absClean(d)
		if err != nil {
			return nil, fmt.Errorf("directory %q: %w", d, err)
		}
		s.dirs[p] = true
		wanted[p] = true
	}
	for p, k := range o.Kinds {
		c, err := absClean(p)
		if err != nil {
			return nil, fmt.Errorf("kind of %q: %w", p, err)
		}
		if !s.files[c] && !s.dirs[c] {
			return nil, fmt.Errorf("kind of %q: not among the files or directories to watch", p)
		}
		s.kinds[c] = k
	}
	for d := range wanted {
		s.want = append(s.want, d)
		for p := d; !s.onPath[p]; p = filepath.Dir(p) {
			s.onPath[p] = true
		}
		s.maxDepth = max(s.maxDepth, strings.Count(d, string(filepath.Separator))+1)
	}
	slices.Sort(s.want)
	return s, nil
}

func absClean(p string) (string, error) {
	if p == "" {
		return "", errors.New("empty path")
	}
	if !filepath.IsAbs(p) {
		return "", errors.New("path is not absolute")
	}
	return filepath.Clean(p), nil
}

// kindOf is the label of a changed path: its own as a wanted file, else its directory's.
func (s *spec) kindOf(path string) Kind {
	if k, ok := s.kinds[path]; ok && s.files[path] {
		return k
	}
	if d := filepath.Dir(path); s.dirs[d] {
		return s.kinds[d]
	}
	return s.kinds[path]
}

// temporary reports names that atomic writers use before renaming over the real file
// (botocore's mkstemp(suffix=".tmp"), and the "<name>.tmp-<random>" style of other tools).
func temporary(name string) bool {
	base := filepath.Base(name)
	return strings.HasSuffix(base, ".tmp") || strings.Contains(base, ".tmp-")
}
