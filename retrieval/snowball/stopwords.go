package snowball

// StopWord reports whether w, a folded word as returned in Token.Text, is
// an English stop word: a function word, auxiliary or question word that
// carries no topic ("the", "of", "did", "which", "who", "how", ...), a
// contraction of one ("don't", "it's"), or a single ASCII letter (left
// over from "P-1" or "U.K."). Stop words are not index terms.
func StopWord(w string) bool {
	if len(w) == 1 {
		c := w[0]
		return c >= 'a' && c <= 'z'
	}
	_, ok := stopWords[w]
	return ok
}

// stopWords is the English stop list: the Snowball list plus question
// words, auxiliaries, pronouns, common contractions and quantifiers.
// It is read-only after package initialisation.
var stopWords = func() map[string]struct{} {
	m := make(map[string]struct{}, len(stopList))
	for _, w := range stopList {
		m[w] = struct{}{}
	}
	return m
}()

var stopList = [...]string{
	// articles, conjunctions, prepositions
	"a", "an", "the", "and", "or", "nor", "but", "if", "then", "else", "so",
	"than", "as", "because", "while", "whereas", "whether", "though",
	"although", "unless", "until", "till", "since", "of", "at", "by", "for",
	"with", "without", "about", "against", "between", "among", "amongst",
	"into", "onto", "through", "throughout", "during", "before", "after",
	"above", "below", "to", "from", "up", "down", "in", "out", "on", "off",
	"over", "under", "upon", "via", "per", "within", "across", "along",
	"around", "behind", "beyond", "toward", "towards", "again", "further",
	"once", "here", "there", "thus", "hence", "therefore", "also", "too",
	"very", "just", "only", "even", "still", "yet", "already", "ever",
	"never", "not", "no", "nothing", "etc",
	// question words
	"who", "whom", "whose", "what", "which", "when", "where", "why", "how",
	"whatever", "whichever", "whoever", "whenever", "wherever", "however",
	// auxiliaries and modals ("may" is kept: it is also a month)
	"am", "is", "are", "was", "were", "be", "been", "being", "have", "has",
	"had", "having", "do", "does", "did", "doing", "done", "will", "would",
	"shall", "should", "can", "could", "might", "must", "ought",
	// pronouns and determiners
	"i", "me", "my", "myself", "mine", "we", "us", "our", "ours",
	"ourselves", "you", "your", "yours", "yourself", "yourselves", "he",
	"him", "his", "himself", "she", "her", "hers", "herself", "it", "its",
	"itself", "they", "them", "their", "theirs", "themselves", "this",
	"that", "these", "those", "there's", "all", "any", "both", "each",
	"few", "more", "most", "other", "others", "some", "such", "own", "same",
	"many", "much", "every", "either", "neither", "another", "one's",
	// contractions (apostrophes are folded to ')
	"don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't",
	"hasn't", "haven't", "hadn't", "won't", "wouldn't", "shan't",
	"shouldn't", "can't", "cannot", "couldn't", "mustn't", "mightn't",
	"needn't", "let's", "that's", "who's", "what's", "where's", "when's",
	"why's", "how's", "here's", "it's", "he's", "she's", "i'm", "you're",
	"we're", "they're", "i've", "you've", "we've", "they've", "i'd",
	"you'd", "he'd", "she'd", "we'd", "they'd", "i'll", "you'll", "he'll",
	"she'll", "we'll", "they'll",
	// leftovers of split contractions and possessives
	"s", "t", "d", "ll", "m", "re", "ve", "don",
}
