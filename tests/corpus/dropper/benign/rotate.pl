#!/usr/bin/perl
# Rotate application logs older than a week.
use strict;
use warnings;
use File::Find;
my $dir = "/var/log/myapp";
find(sub { unlink $_ if -f $_ && -M $_ > 7 && /\.log\.\d+$/ }, $dir);
system("systemctl", "kill", "-s", "HUP", "myapp.service");
