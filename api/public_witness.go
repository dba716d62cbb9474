package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// WitnessDTO is one witness of the log's checkpoints.
type WitnessDTO struct {
	Name        string `json:"name"`         // its note key name, as on its cosignature lines
	Key         string `json:"key"`          // its cosignature/v1 verifier key
	DisplayName string `json:"display_name"` // e.g. 县纪委监委
}

// WitnessesResponse lists the witnesses and how many must cosign.
type WitnessesResponse struct {
	Quorum    int          `json:"quorum"`
	Witnesses []WitnessDTO `json:"witnesses"`
}

// GET /api/public/witnesses: the witnesses whose cosignatures
// /api/public/checkpoint carries (empty when none are configured).
func (s *Server) publicWitnesses(c *gin.Context) {
	out := WitnessesResponse{Witnesses: []WitnessDTO{}}
	if cs := s.ledger.Cosigner(); cs != nil {
		for _, w := range cs.Witnesses {
			out.Witnesses = append(out.Witnesses, WitnessDTO{Name: w.Name, Key: w.Key, DisplayName: w.Label})
		}
		out.Quorum = cs.QuorumSize()
	}
	c.JSON(http.StatusOK, out)
}
