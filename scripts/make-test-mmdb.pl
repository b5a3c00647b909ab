#!/usr/bin/perl
#
# make-test-mmdb.pl - write the small GeoIP test databases.
#
# Usage: scripts/make-test-mmdb.pl [OUTDIR [TABLE]]
#   OUTDIR  where to write the databases (default tests/data)
#   TABLE   network table (default tests/data/geo-networks.tsv)
# Defaults are relative to the repository holding this script.
#
# Writes, one per country-code schema that geo/geo.c reads:
#   geo-maxmind.mmdb  GeoIP2-Country: country.iso_code, registered_country
#   geo-iplocdb.mmdb  ip-location-db: country_code
#   geo-ipinfo.mmdb   IPinfo country: country
#   geo-v4only.mmdb   ip-location-db schema, ip_version 4, IPv4 rows only
#
# TABLE is the single source of truth (its header explains the columns and
# flags); the tests read the same file.  The build epoch is fixed (or taken
# from SOURCE_DATE_EPOCH) so that rerunning the script gives identical
# files.  Needs MaxMind::DB::Writer (Debian: libmaxmind-db-writer-perl).

use strict;
use warnings;
use utf8;

use File::Spec;
use FindBin;
use MaxMind::DB::Writer::Tree;

my $EPOCH = $ENV{SOURCE_DATE_EPOCH} // 1767225600;    # 2026-01-01

# Names only make the GeoIP2 records look like the real thing.
my %NAMES = (
	BR => 'Brazil', CA => 'Canada', DE => 'Germany', FR => 'France',
	GB => 'United Kingdom', IE => 'Ireland', JP => 'Japan',
	MX => 'Mexico', NL => 'Netherlands', US => 'United States',
);

my %TYPES = (
	country            => 'map',
	country_code       => 'utf8_string',
	country_name       => 'utf8_string',
	en                 => 'utf8_string',
	iso_code           => 'utf8_string',
	names              => 'map',
	registered_country => 'map',
);

# The IPinfo schema stores the code in a plain string called "country",
# the GeoIP2 schema uses "country" for a map.
my %IPINFO_TYPES = (%TYPES, country => 'utf8_string');

sub usage {
	print STDERR "usage: make-test-mmdb.pl [OUTDIR [TABLE]]\n";
	exit 2;
}

sub read_table {
	my ($path) = @_;
	my @rows;

	open my $fh, '<:encoding(UTF-8)', $path
	    or die "$path: $!\n";
	while (my $line = <$fh>) {
		chomp $line;
		next if $line =~ /^\s*(#|$)/;
		my ($net, $cc, $notes, @extra) = split /\t/, $line, -1;
		die "$path:$.: want network<TAB>country<TAB>notes\n"
		    if !defined $notes || @extra;
		die "$path:$.: country must be two upper-case letters\n"
		    if $cc !~ /^[A-Z]{2}$/;
		my %row = (net => $net, cc => $cc);
		for my $flag (split ' ', $notes) {
			if ($flag eq 'all') {
				next;
			} elsif ($flag eq 'registered-only') {
				$row{registered_only} = 1;
			} elsif ($flag =~ /^registered=([A-Z]{2})$/) {
				$row{registered} = $1;
			} elsif ($flag =~ /^raw=(.*)$/) {
				$row{raw} = $1;
			} else {
				die "$path:$.: unknown flag '$flag'\n";
			}
		}
		push @rows, \%row;
	}
	close $fh;
	die "$path: no networks\n" if !@rows;
	return \@rows;
}

sub geoip2_record {
	my ($row) = @_;
	my $name = sub { { iso_code => $_[0],
	    names => { en => $NAMES{$_[0]} // $_[0] } } };

	return { country => { iso_code => $row->{raw} } }
	    if defined $row->{raw};
	return { registered_country => $name->($row->{cc}) }
	    if $row->{registered_only};
	return { country => $name->($row->{cc}),
	    registered_country => $name->($row->{registered} // $row->{cc}) };
}

sub iplocdb_record {
	my ($row) = @_;

	return { country_code => $row->{raw} // $row->{cc} };
}

sub ipinfo_record {
	my ($row) = @_;
	my $cc = $row->{raw} // $row->{cc};

	return { country => $cc, country_name => $NAMES{$cc} // $cc };
}

sub write_db {
	my ($path, %a) = @_;
	my $tree = MaxMind::DB::Writer::Tree->new(
	    ip_version            => $a{ip_version},
	    record_size           => 24,
	    database_type         => $a{type},
	    # No "languages": libmaxminddb before 1.12 leaks memory when
	    # MMDB_open meets a damaged languages array, which the
	    # damaged-file tests would report.  geo.c does not use it.
	    description           => { en => "originstat test data: $a{type}" },
	    map_key_type_callback => sub { $a{types}->{$_[0]} },
	    # Documentation ranges are reserved; keep them.
	    remove_reserved_networks => 0,
	    # ::ffff:0:0/96 and 6to4 see the IPv4 data, as in MaxMind's files.
	    alias_ipv6_to_ipv4    => $a{ip_version} == 6 ? 1 : 0,
	);
	$tree->_set_build_epoch($EPOCH) if $tree->can('_set_build_epoch');
	for my $row (@{$a{rows}}) {
		next if $a{ip_version} == 4 && $row->{net} =~ /:/;
		$tree->insert_network($row->{net}, $a{record}->($row));
	}
	my $tmp = "$path.tmp";
	open my $fh, '>:raw', $tmp or die "$tmp: $!\n";
	$tree->write_tree($fh);
	close $fh or die "$tmp: $!\n";
	rename $tmp, $path or die "$path: $!\n";
	printf "%s: %d bytes\n", $path, -s $path;
}

usage() if @ARGV > 2 || (@ARGV && $ARGV[0] =~ /^-/);
my $data = File::Spec->catdir($FindBin::Bin, File::Spec->updir, 'tests',
    'data');
my $outdir = $ARGV[0] // $data;
my $table = $ARGV[1] // File::Spec->catfile($data, 'geo-networks.tsv');
die "$outdir: not a directory\n" if !-d $outdir;
my $rows = read_table($table);

write_db(File::Spec->catfile($outdir, 'geo-maxmind.mmdb'),
    ip_version => 6, type => 'originstat-Test-GeoIP2-Country',
    types => \%TYPES, record => \&geoip2_record, rows => $rows);
write_db(File::Spec->catfile($outdir, 'geo-iplocdb.mmdb'),
    ip_version => 6, type => 'originstat-Test-ip-location-db',
    types => \%TYPES, record => \&iplocdb_record, rows => $rows);
write_db(File::Spec->catfile($outdir, 'geo-ipinfo.mmdb'),
    ip_version => 6, type => 'originstat-Test-ipinfo-country',
    types => \%IPINFO_TYPES, record => \&ipinfo_record, rows => $rows);
write_db(File::Spec->catfile($outdir, 'geo-v4only.mmdb'),
    ip_version => 4, type => 'originstat-Test-ip-location-db-v4',
    types => \%TYPES, record => \&iplocdb_record, rows => $rows);
