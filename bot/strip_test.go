package bot

import "testing"

func TestStripChatMarkup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"What is JNAAM? @everyone", "What is JNAAM?"},
		{"@here @channel @EVERYONE what is JNAAM", "what is JNAAM"},
		{"<!channel> <!here> <!everyone> q", "q"},
		{"<!subteam^S123|@devs> q <!date^1392734382^{date}|Feb 18>", "q"},
		{"<@U123> <@U9|bob> <@!42> <@&7> q", "q"},
		{"<#C123> <#C1|general> <#555> q", "q"},
		{"see <http://evil.example|the report> and <https://x.example>", "see the report and https://x.example"},
		{"<:blob:123> <a:dance:456> q", "q"},
		{"mail a@here.org or b@everyone.com", "mail a@here.org or b@everyone.com"},
		{"  plain   question\n", "plain question"},
		{"<script>x</script> 2 < 3 > 1", "<script>x</script> 2 < 3 > 1"},
	}
	for _, tt := range tests {
		if got := StripChatMarkup(tt.in); got != tt.want {
			t.Errorf("StripChatMarkup(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
