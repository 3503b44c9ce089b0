<?php
/**
 * The client's IP address, for rate limits, consent records and the audit
 * log. REMOTE_ADDR unless the request came through a proxy listed in CRM
 * Settings > Trusted proxies (empty by default): then X-Forwarded-For is read
 * from the right, past every trusted proxy, and the first address that is not
 * one of them is the client. Entries to its left were written by the client
 * and are never believed.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Client_Ip {

	/** Who sent this request (an empty string when REMOTE_ADDR is unusable). */
	public static function get() {
		$remote = SENW_CRM_Db::remote_addr();
		if ( '' === $remote ) {
			return '';
		}
		$proxies = SENW_CRM_Settings::trusted_proxies();
		if ( empty( $proxies ) || ! self::in_any( $remote, $proxies ) ) {
			return $remote;
		}
		// phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- every hop is validated below.
		$header = isset( $_SERVER['HTTP_X_FORWARDED_FOR'] ) && is_string( $_SERVER['HTTP_X_FORWARDED_FOR'] ) ? $_SERVER['HTTP_X_FORWARDED_FOR'] : '';
		$client = $remote;
		foreach ( array_reverse( explode( ',', $header ) ) as $hop ) {
			$hop = self::address( $hop );
			if ( '' === $hop ) {
				// A malformed hop: nothing left of it can be trusted either.
				break;
			}
			$client = $hop;
			if ( ! self::in_any( $hop, $proxies ) ) {
				break;
			}
		}
		return $client;
	}

	/**
	 * The rate-limit key of an address: IPv4 as it is, IPv6 by its /64 (one
	 * household or server gets a whole /64, so one address each would give a
	 * single visitor millions of buckets).
	 */
	public static function bucket( $ip ) {
		$packed = '' === (string) $ip ? false : inet_pton( (string) $ip );
		if ( false === $packed ) {
			return '';
		}
		if ( 16 !== strlen( $packed ) ) {
			return inet_ntop( $packed );
		}
		if ( 0 === strncmp( $packed, str_repeat( "\0", 10 ) . "\xff\xff", 12 ) ) {
			return inet_ntop( substr( $packed, 12 ) ); // IPv4-mapped: the IPv4 address.
		}
		return inet_ntop( substr( $packed, 0, 8 ) . str_repeat( "\0", 8 ) ) . '/64';
	}

	/** Whether $ip is inside $cidr ("203.0.113.0/24", "2001:db8::/32" or one address). */
	public static function matches( $ip, $cidr ) {
		$parts  = explode( '/', (string) $cidr, 2 );
		$packed = inet_pton( (string) $ip );
		$net    = filter_var( $parts[0], FILTER_VALIDATE_IP ) ? inet_pton( $parts[0] ) : false;
		if ( false === $packed || false === $net || strlen( $packed ) !== strlen( $net ) ) {
			return false;
		}
		$bits = isset( $parts[1] ) && ctype_digit( $parts[1] ) ? min( (int) $parts[1], 8 * strlen( $net ) ) : 8 * strlen( $net );
		$full = intdiv( $bits, 8 );
		if ( 0 !== strncmp( $packed, $net, $full ) ) {
			return false;
		}
		$rest = $bits % 8;
		if ( 0 === $rest ) {
			return true;
		}
		$mask = ( 0xff << ( 8 - $rest ) ) & 0xff;
		return ( ord( $packed[ $full ] ) & $mask ) === ( ord( $net[ $full ] ) & $mask );
	}

	private static function in_any( $ip, array $cidrs ) {
		foreach ( $cidrs as $cidr ) {
			if ( self::matches( $ip, $cidr ) ) {
				return true;
			}
		}
		return false;
	}

	/** One X-Forwarded-For entry as a bare address ("[2001:db8::1]:443", "1.2.3.4:80" too), or ''. */
	private static function address( $hop ) {
		$hop = trim( (string) $hop );
		if ( preg_match( '/^\[([0-9a-fA-F:.]+)\](?::\d+)?$/', $hop, $m ) ) {
			$hop = $m[1];
		} elseif ( preg_match( '/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/', $hop, $m ) ) {
			$hop = $m[1];
		}
		return filter_var( $hop, FILTER_VALIDATE_IP ) ? $hop : '';
	}
}
