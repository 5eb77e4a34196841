#!/usr/bin/perl
# A UDP DNS relay for the benchmarks: answers of the upstream resolver come
# back after DELAY_MS, each on its own clock (as over a real network's round
# trip), so that running look-ups in parallel can show what it saves.
#   dns_delay.pl LISTEN_PORT UPSTREAM_PORT DELAY_MS   (127.0.0.1 both)
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time);

my ($port, $up, $delay_ms) = @ARGV;
die "usage: dns_delay.pl LISTEN_PORT UPSTREAM_PORT DELAY_MS\n" unless defined $delay_ms;
my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, Proto => 'udp')
    or die "dns_delay: cannot bind 127.0.0.1:$port: $!\n";
my $upstream = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $up, Proto => 'udp')
    or die "dns_delay: cannot reach 127.0.0.1:$up: $!\n";
my $sel = IO::Select->new($srv, $upstream);
my (%client, @due);   # query id -> client address; [time, client, packet]
$| = 1;
print "ready\n";
while (1) {
    my $wait = @due ? $due[0][0] - time : 1;
    $wait = 0 if $wait < 0;
    for my $fh ($sel->can_read($wait)) {
        my $pkt;
        if ($fh == $srv) {
            my $from = $srv->recv($pkt, 65535) or next;
            next if length $pkt < 2;
            $client{substr($pkt, 0, 2)} = $from;
            $upstream->send($pkt);
        } else {
            $upstream->recv($pkt, 65535);
            next if !defined $pkt || length $pkt < 2;
            my $to = delete $client{substr($pkt, 0, 2)} or next;
            push @due, [time + $delay_ms / 1000, $to, $pkt];
        }
    }
    while (@due && $due[0][0] <= time) {
        my $d = shift @due;
        $srv->send($d->[2], 0, $d->[1]);
    }
}
