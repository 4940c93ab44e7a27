#!/usr/bin/perl
# make-asn-mmdb.pl TSV OUT - the demo's AS database (run-demo.sh): one /32 or
# /128 per line of TSV ("ip<TAB>asn<TAB>name", from gen_demo.py servers), in
# the GeoLite2-ASN layout dmarcscope reads with --asn-mmdb.  The file name
# (dmarcscope-demo-asn.mmdb) is what enrichment records as the AS source, and
# what marks a host's facts as demo data in the portal (enrich_host.c).
# Needs libmaxmind-db-writer-perl (make deps).
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($in, $out) = @ARGV;
die "usage: make-asn-mmdb.pl TSV OUT\n" unless defined $out;
my $t = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24,
    database_type => 'dmarcscope-demo-ASN', languages => ['en'],
    description => { en => 'dmarcscope demo data (make run): not real AS data' },
    remove_reserved_networks => 0, merge_strategy => 'none',
    map_key_type_callback => sub {
	return { autonomous_system_number => 'uint32',
	    autonomous_system_organization => 'utf8_string' }->{$_[0]} // die "no type for $_[0]\n";
    });
open my $fh, '<:encoding(UTF-8)', $in or die "$in: $!\n";
while (my $line = <$fh>) {
	chomp $line;
	next if $line eq '' || $line =~ /^#/;
	my ($ip, $asn, $name) = split /\t/, $line, 3;
	die "$in: bad line '$line'\n" unless defined $name && $asn =~ /^\d+$/;
	$t->insert_network($ip . ($ip =~ /:/ ? '/128' : '/32'),
	    { autonomous_system_number => $asn + 0, autonomous_system_organization => $name });
}
close $fh;
open my $o, '>:raw', $out or die "$out: $!\n";
$t->write_tree($o);
close $o or die "$out: $!\n";
