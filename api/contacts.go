package api

import "github.com/sunshine-ledger/sunshine/ledger"

// contactReaders may read a complainant's contact details: only the
// discipline office (issue 18). Finance staff and admins answer complaints
// (complaintHandlers) without seeing who complained or how to reach them:
// a complaint is often about them.
var contactReaders = []string{ledger.RoleDiscipline}
