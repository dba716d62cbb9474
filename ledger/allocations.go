package ledger

import (
	"context"
	"encoding/json"
	"slices"
)

// Allocations lists a log's allocations that no reversal undid, by seq
// (the public statistics pages count them by date, issue 19).
func (s *Service) Allocations(ctx context.Context, lg Log) ([]Allocation, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	as, err := listObjects[Allocation](bk, objAllocation)
	if err != nil {
		return nil, err
	}
	var v json.RawMessage
	return slices.DeleteFunc(as, func(a Allocation) bool { return bk.Object(objReversed, a.Seq, &v) == nil }), nil
}
