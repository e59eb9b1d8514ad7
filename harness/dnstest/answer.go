package dnstest

import (
	"net/netip"

	"golang.org/x/net/dns/dnsmessage"
)

// Building the DNS messages of the answers.

// reply builds the answer to question q of a query with header h (q nil: a format error).
func (s *Server) reply(h dnsmessage.Header, q *dnsmessage.Question, overUDP bool, limit int) []byte {
	hdr := dnsmessage.Header{
		ID:                 h.ID,
		Response:           true,
		OpCode:             h.OpCode,
		Authoritative:      true,
		RecursionDesired:   h.RecursionDesired,
		RecursionAvailable: true,
		RCode:              h.RCode,
	}
	var answers []netip.Addr
	if q != nil {
		addrs, ok := s.zone[canonical(q.Name.String())]
		switch {
		case h.OpCode != 0:
			hdr.RCode = dnsmessage.RCodeNotImplemented
		case !ok:
			hdr.RCode = dnsmessage.RCodeNameError
		case q.Class == dnsmessage.ClassINET || q.Class == dnsmessage.ClassANY:
			for _, a := range addrs {
				if (q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeALL) && a.Is4() ||
					(q.Type == dnsmessage.TypeAAAA || q.Type == dnsmessage.TypeALL) && a.Is6() {
					answers = append(answers, a)
				}
			}
		}
	}
	b := build(hdr, q, answers)
	if overUDP && len(b) > limit {
		hdr.Truncated = true
		b = build(hdr, q, nil)
	}
	return b
}

func build(hdr dnsmessage.Header, q *dnsmessage.Question, answers []netip.Addr) []byte {
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), hdr)
	b.EnableCompression()
	// The builder fails only on a misuse of its API or a message over 64 KiB; neither can happen
	// here with a question that parsed and at most a few thousand records.
	must(b.StartQuestions())
	if q != nil {
		must(b.Question(*q))
	}
	must(b.StartAnswers())
	for _, a := range answers {
		rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: ttl}
		if a.Is4() {
			must(b.AResource(rh, dnsmessage.AResource{A: a.As4()}))
		} else {
			must(b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()}))
		}
	}
	msg, err := b.Finish()
	must(err)
	return msg
}

func must(err error) {
	if err != nil {
		panic("dnstest: building an answer: " + err.Error())
	}
}
