# SPDX-License-Identifier: MIT
# A perl workload for tests/preload: four interpreter threads (ithreads run
# truly in parallel, unlike python's) building and reading hashes, so the
# threads allocate and free at once on several harts.
use strict;
use warnings;
use threads;

sub work {
	my ($k) = @_;
	my %h;
	for my $i (1 .. 60000) {
		$h{"$k-$i"} = "x" x (($i * $k) % 300);
		delete $h{"$k-" . ($i - 5)} if $i % 3 == 0;
	}
	my $s = 0;
	$s += length($h{$_}) for keys %h;
	return scalar(keys %h) . ":" . $s;
}

my @t = map { threads->create(\&work, $_) } 1 .. 4;
print join(" ", map { $_->join } @t), "\n";
