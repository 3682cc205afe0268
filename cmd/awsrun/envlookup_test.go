package main

import "testing"

func TestEnvLookup(t *testing.T) {
	getenv := envLookup([]string{"A=1", "AB=2", "B=", "NOEQ", "A=3", "=x=y", "D==e", "E=f=g"})
	for k, want := range map[string]string{
		"A":    "3", // the last entry for a name wins
		"AB":   "2",
		"B":    "",
		"NOEQ": "", // an entry without "=" sets nothing
		"":     "x=y",
		"D":    "=e",
		"E":    "f=g",
		"A=1":  "", // a name ends at the first "="
		"E=f":  "",
		"C":    "",
	} {
		if got := getenv(k); got != want {
			t.Errorf("getenv(%q) = %q, want %q", k, got, want)
		}
	}
}
