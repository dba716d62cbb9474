package ledgertest

import (
	"regexp"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// FixtureActor matches the names this package's helpers and suites, and
// the tests that use them, write under instead of staff accounts ("fin",
// "approver", "u1", "w7"). verify --deep reports any other actor that is
// neither an account of the town, "system" nor "public" as
// actor_not_allowed; tests accept these so that their own fixtures are not
// taken for an insider's entries ("intruder" is not one of them).
var FixtureActor = regexp.MustCompile(`^(fin|finance|admin|approver|auditor|monitor|discipline|u|u[0-9]+|w[0-9]+)$`)

func init() { ledger.AcceptFixtureActors(FixtureActor.MatchString) }
