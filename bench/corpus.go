// Package bench measures coopbot's retrieval at scale: it generates a
// deterministic synthetic corpus, loads it into the PostgreSQL store end to
// end (chunk, embed, COPY), builds the indexes, and measures hybrid search
// latency, throughput and HNSW recall (coopbot bench; bench/peer compares
// the same load and queries with langchaingo's pgvector store).
package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/retrieval"
)

// Seeds of the synthetic corpus and of the queries; fixed so every run
// (and the peer) sees the same text.
const (
	corpusSeed = 0x636f6f70 // "coop"
	querySeed  = 0x71756572 // "quer"
)

// Word lists for generated sentences: names, places, programmes.
var (
	firstNames = strings.Fields(`Akira Haruto Kenji Yuki Sakura Hiroshi Takeshi Naomi Emi Daisuke Ren Aoi Kaito Mei
		Yusuke Rina Sota Hana Taro Keiko James Oliver Amelia George Harry Charlotte Sophie William Thomas Emily
		Grace Jack Lucy Henry Alice Edward Victoria Arthur Eleanor Rupert Imogen Fiona Callum Priya Ben`)
	lastNames = strings.Fields(`Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida
		Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Mori Smith Jones Taylor Brown Williams Wilson
		Johnson Davies Robinson Wright Thompson Evans Walker White Roberts Green Hall Wood Jackson Clarke Hughes
		Edwards Lewis Harris Fraser Campbell Patel Khan Murray`)
	roles = []string{"Defence Secretary", "Defense Minister", "Foreign Minister", "Vice Admiral", "Air Marshal",
		"programme director", "chief executive", "Rear Admiral", "Brigadier", "spokesperson", "senior official",
		"procurement chief", "ambassador", "Lieutenant General", "analyst", "Chief of the Air Staff"}
	places = strings.Fields(`Tokyo London Yokosuka Portsmouth Kure Plymouth Misawa Lossiemouth Okinawa Farnborough
		Nagoya Glasgow Sasebo Faslane Osaka Bristol Hokkaido Rome Canberra Manila Singapore Darwin Guam Seoul Delhi
		Brunei Jakarta Honolulu Brize Coningsby Marham Iwakuni Chitose Hyakuri Komatsu Tsuiki Naha Yokota`)
	orgs = []string{"Ministry of Defence", "Japan Maritime Self-Defense Force", "Royal Navy", "Royal Air Force",
		"Acquisition, Technology and Logistics Agency", "BAE Systems", "Mitsubishi Heavy Industries", "Leonardo",
		"Rolls-Royce", "IHI Corporation", "MBDA", "Japan Air Self-Defense Force", "British Army", "GCAP International Organisation",
		"Defence Science and Technology Laboratory", "Kawasaki Heavy Industries", "Thales UK", "NEC", "Babcock", "Fujitsu"}
	systems = []string{"Tempest", "GCAP", "F-X", "Typhoon", "F-35B", "Meteor", "JNAAM", "Type 26", "Mogami", "P-1",
		"C-2", "Aegis", "Type 45", "Astute", "Queen Elizabeth", "Izumo", "Kaga", "Sea Venom", "SPEAR", "Storm Shadow",
		"Global Combat Air Programme", "Wedgetail", "Protector", "Boxer", "Challenger 3", "Type 12", "Hyper Velocity Gliding Projectile"}
	topics = []string{"missile research", "a joint exercise", "cyber security", "the reciprocal access agreement",
		"industrial cooperation", "export rules", "the sixth-generation fighter", "maritime patrols", "intelligence sharing",
		"space surveillance", "mine countermeasures", "engine development", "sensor fusion", "supply chains",
		"amphibious training", "a port visit", "the defence budget", "freedom of navigation", "counter-drone systems",
		"shipbuilding", "the carrier strike group", "radar technology", "personnel exchanges", "export licences"}
	months = strings.Fields(`Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec.`)
)

// templates are generated sentences; %[1]s person, %[2]s role, %[3]s place,
// %[4]s organisation, %[5]s system, %[6]s topic, %[7]d number, %[8]s date,
// %[9]d year.
var templates = []string{
	"%[2]s %[1]s told reporters in %[3]s on %[8]s that the %[5]s work would continue.",
	"The %[4]s said it had signed a contract worth £%[7]d million covering %[6]s.",
	"According to %[1]s, %[2]s at the %[4]s, talks on %[6]s resumed in %[3]s in %[9]d.",
	"About %[7]d personnel from the %[4]s took part in the exercise near %[3]s.",
	"%[1]s said the %[5]s programme would enter service by %[9]d.",
	"A statement from the %[4]s in %[3]s described %[6]s as a priority for %[9]d.",
	"The %[5]s demonstrator flew for %[7]d minutes over %[3]s on %[8]s.",
	"%[2]s %[1]s visited %[3]s to discuss %[6]s with officials from the %[4]s.",
	"Officials expect %[7]d units of the %[5]s to be ordered before %[9]d.",
	"In %[3]s, %[1]s of the %[4]s signed a memorandum on %[6]s.",
	"The budget for %[6]s rose to ¥%[7]d billion in fiscal %[9]d, the %[4]s said.",
	"%[1]s, a %[2]s, warned that %[6]s could slip beyond %[9]d without more funding.",
}

// sentencePool returns the bundled corpus's sentences.
func sentencePool() ([]string, error) {
	docs, errs := ingest.LoadFS(corpus.FS, ".")
	if len(errs) > 0 {
		return nil, fmt.Errorf("load bundled corpus: %w", errs[0])
	}
	var pool []string
	for _, d := range docs {
		for _, para := range strings.Split(d.Text, "\n\n") {
			for _, sp := range ingest.SplitSentences(para) {
				if s := strings.TrimSpace(para[sp.Start:sp.End]); len(s) >= 20 {
					pool = append(pool, s)
				}
			}
		}
	}
	if len(pool) == 0 {
		return nil, fmt.Errorf("bundled corpus has no sentences")
	}
	return pool, nil
}

// Corpus generates synthetic documents deterministically: paragraphs of
// sentences drawn from the bundled corpus mixed with generated sentences
// naming people, places, organisations, systems, amounts and dates. It is
// not safe for concurrent use.
type Corpus struct {
	rng  *rand.Rand
	pool []string
	next int // number of the next document
}

// NewCorpus returns the generator; every Corpus yields the same sequence.
func NewCorpus() (*Corpus, error) {
	pool, err := sentencePool()
	if err != nil {
		return nil, err
	}
	return &Corpus{rng: rand.New(rand.NewPCG(corpusSeed, 1)), pool: pool}, nil
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// syllables make generated surnames, so that most names are rare, as in
// a real archive.
var syllables = strings.Fields(`ka ki ku ke ko sa shi su se so ta chi tsu te to na ni no ha hi
	fu ho ma mi mo ya yu yo ra ri ru re ro wa ga gi go za ji zu da de do ba bi bu be bo`)

// person returns a first name and a surname: a third from lastNames, the
// rest made of two or three syllables.
func (c *Corpus) person() string {
	first := pick(c.rng, firstNames)
	if c.rng.IntN(3) == 0 {
		return first + " " + pick(c.rng, lastNames)
	}
	var b strings.Builder
	for range 2 + c.rng.IntN(2) {
		b.WriteString(pick(c.rng, syllables))
	}
	last := b.String()
	return first + " " + strings.ToUpper(last[:1]) + last[1:]
}

func (c *Corpus) date() string {
	return fmt.Sprintf("%s %d", pick(c.rng, months), 1+c.rng.IntN(28))
}

// sentence returns a corpus sentence with its names and numbers changed
// (30%), two clauses of corpus sentences joined (20%), or a generated
// sentence (50%). Verbatim corpus sentences would repeat tens of thousands
// of times in a large corpus, which no real archive does and which makes
// the nearest neighbours of a question a near-tie among copies.
func (c *Corpus) sentence() string {
	switch n := c.rng.IntN(10); {
	case n < 3:
		return c.vary(pick(c.rng, c.pool))
	case n < 5:
		a, b := pick(c.rng, c.pool), pick(c.rng, c.pool)
		i, j := strings.IndexByte(a, ','), strings.IndexByte(b, ',')
		if i > 0 && j > 0 && j+1 < len(b) {
			return c.vary(a[:i] + "," + b[j+1:])
		}
		return c.vary(a)
	}
	t := pick(c.rng, templates)
	return fmt.Sprintf(t, c.person(), pick(c.rng, roles), pick(c.rng, places), pick(c.rng, orgs),
		pick(c.rng, systems), pick(c.rng, topics), 2+c.rng.IntN(4998), c.date(), 2015+c.rng.IntN(20))
}

// vary replaces each number in s by another, and each capitalized word
// after the first by a generated surname or a place, half the time. A
// sentence that got no new surname also gets a generated attribution
// ("…, Kenji Sato said."), so that copies are rare. Unchanged corpus
// sentences would make identical chunks that repeat thousands of times in
// a large corpus, which no real archive does (ingest drops boilerplate)
// and which cuts those copies off from the rest of an HNSW graph: before
// this rule, 27,614 of 1M chunks were copies in 2,113 groups of up to
// 1,926, and 6 of 100 questions found none of their exact neighbours at
// any ef_search (1,321 copies in groups of at most 9 after it).
func (c *Corpus) vary(s string) string {
	w := strings.Fields(s)
	named := false
	for i := 1; i < len(w); i++ {
		word := w[i]
		core := strings.TrimRight(word, ".,;:\"'”’)")
		tail := word[len(core):]
		switch {
		case core == "":
		case core[0] >= '0' && core[0] <= '9':
			w[i] = strconv.Itoa(1+c.rng.IntN(9999)) + tail
		case core[0] >= 'A' && core[0] <= 'Z' && c.rng.IntN(2) == 0:
			if c.rng.IntN(2) == 0 {
				w[i] = pick(c.rng, places) + tail
			} else {
				p := c.person()
				w[i] = p[strings.IndexByte(p, ' ')+1:] + tail
				named = true
			}
		}
	}
	out := strings.Join(w, " ")
	if named {
		return out
	}
	end := len(strings.TrimRight(out, ".!?\"'”’"))
	return out[:end] + ", " + c.person() + " said" + out[end:]
}

// ChunkDocument cuts doc into chunks with ingest.Chunk and the default
// sizes, as coopbot ingest does. It is safe for concurrent use.
func ChunkDocument(doc retrieval.Document) []retrieval.Chunk {
	chunks := ingest.Chunk(doc, ingest.DefaultChunkOptions())
	for i := range chunks {
		chunks[i].DocumentID = doc.ID
	}
	return chunks
}

// NextDocument returns the next document: 3–12 paragraphs of 1–6
// sentences, so chunk lengths vary as in news reports.
func (c *Corpus) NextDocument() retrieval.Document {
	n := c.next
	c.next++
	paras := make([]string, 3+c.rng.IntN(10))
	for i := range paras {
		s := make([]string, 1+c.rng.IntN(6))
		for j := range s {
			s[j] = c.sentence()
		}
		paras[i] = strings.Join(s, " ")
	}
	title := fmt.Sprintf("%s and %s: %s", pick(c.rng, orgs), pick(c.rng, orgs), pick(c.rng, topics))
	text := strings.Join(paras, "\n\n")
	sum := sha256.Sum256([]byte(text))
	doc := retrieval.Document{
		ID:     fmt.Sprintf("bench/%07d", n),
		Title:  title,
		Date:   fmt.Sprintf("%d-%02d-%02d", 2015+c.rng.IntN(12), 1+c.rng.IntN(12), 1+c.rng.IntN(28)),
		Outlet: "Synthetic Defence Wire",
		Author: c.person(),
		Source: "coopbot-bench",
		Text:   text,
		Hash:   hex.EncodeToString(sum[:]),
	}
	return doc
}

// systemQuestions ask about a defence system (%s).
var systemQuestions = []string{
	"When will the %s enter service and who builds it?",
	"Who builds the %s, and how much will it cost?",
	"Where was the %s tested, and by whom?",
	"Which companies work on the %s programme?",
}

// Queries returns n distinct questions in the style users ask, each
// mixing the words most reports use (said, programme, contract, budget)
// with rare ones: generated names, places, systems and codes such as
// "P-1" or "F-35B", and figures (a contract's value) only the lexical arm
// can match. The same n gives the same questions. Distinct, because a
// question asked twice would count twice in recall and latency.
func Queries(n int) ([]string, error) {
	c := &Corpus{rng: rand.New(rand.NewPCG(querySeed, 2))}
	qs := make([]string, n)
	seen := make(map[string]bool, n)
	for i := range qs {
		for try := 0; try == 0 || seen[qs[i]] && try < 100; try++ {
			qs[i] = c.question(i % 8)
		}
		seen[qs[i]] = true
	}
	return qs, nil
}

// question returns a question of one of eight kinds, each about what
// the report templates (templates) say: a person and a topic, a system, an
// exercise, a contract's value, a visit, a budget, a date of service, an
// organisation's role.
func (c *Corpus) question(kind int) string {
	switch kind {
	case 0:
		return fmt.Sprintf("How many personnel from the %s took part in the exercise near %s?", pick(c.rng, orgs), pick(c.rng, places))
	case 1:
		return fmt.Sprintf("What did %s say about %s?", c.person(), pick(c.rng, topics))
	case 2:
		return fmt.Sprintf(pick(c.rng, systemQuestions), pick(c.rng, systems))
	case 3:
		return fmt.Sprintf("Which contract was worth £%d million, and what did it cover?", 2+c.rng.IntN(4998))
	case 4:
		return fmt.Sprintf("Why did %s visit %s?", c.person(), pick(c.rng, places))
	case 5:
		return fmt.Sprintf("How much did the budget for %s rise to in fiscal %d?", pick(c.rng, topics), 2015+c.rng.IntN(20))
	case 6:
		return fmt.Sprintf("Is the %s still due to enter service by %d?", pick(c.rng, systems), 2015+c.rng.IntN(20))
	default:
		return fmt.Sprintf("Who at the %s is responsible for %s?", pick(c.rng, orgs), pick(c.rng, topics))
	}
}
