package jobs

import (
	"context"
	"fmt"
)

type progressKey struct{}

// WithProgress returns a context under which a job run reports its steps
// to report, in Chinese: a run started from a staff page shows them while
// it runs.
func WithProgress(ctx context.Context, report func(step string)) context.Context {
	return context.WithValue(ctx, progressKey{}, report)
}

// Progress reports a run's step to whoever asked with WithProgress; nothing
// when nobody did (a scheduled run).
func Progress(ctx context.Context, format string, args ...any) {
	if report, ok := ctx.Value(progressKey{}).(func(string)); ok {
		report(fmt.Sprintf(format, args...))
	}
}

// Reporting tells whether anyone asked for the run's steps: a step that
// costs something to word is worded only then.
func Reporting(ctx context.Context) bool {
	_, ok := ctx.Value(progressKey{}).(func(string))
	return ok
}
