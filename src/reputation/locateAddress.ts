/**
 * Offline geography for region checks: the country of an IP address from a GeoIP database shipped by the npm
 * registry (`@ip-location-db/geo-whois-asn-country-mmdb`, CC0, built from the RIRs' whois and ASN data; read
 * with `mmdb-lib`), and countries' centroids and areas (`world-countries`, ODbL) for round-trip plausibility.
 * Loaded once, on first use (≈ 15 MB of database); nothing is fetched at run time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { Reader, type Response } from 'mmdb-lib';
import type { Country } from './regionCheck.ts';

const require = createRequire(import.meta.url);
let reader: Reader<Response> | undefined;
let countries: Map<string, Country> | undefined;

/** The ISO 3166 alpha-2 country of `ip`; undefined for a private, reserved or unlisted address or a name. */
export function locateAddress(ip: string): string | undefined {
  if (isIP(ip) === 0) return undefined;
  reader ??= new Reader<Response>(
    readFileSync(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb')),
  );
  // This database's records are `{ country_code }`, not MaxMind's shape.
  return (reader.get(ip) as { country_code?: string } | null)?.country_code;
}

/** Every country by its alpha-2 code: centroid and area. */
export function countryTable(): ReadonlyMap<string, Country> {
  if (countries) return countries;
  const raw = JSON.parse(readFileSync(require.resolve('world-countries/countries.json'), 'utf8')) as {
    cca2: string;
    latlng: [number, number];
    area: number;
  }[];
  countries = new Map(
    raw.map((c) => [c.cca2, { code: c.cca2, lat: c.latlng[0], lon: c.latlng[1], areaKm2: Math.max(c.area, 1) }]),
  );
  return countries;
}
