<?php
/**
 * Listings findable by search engines, as IDX plugins make them: a readable
 * permalink per listing (/listings/<ListingKey>/<address-slug>/, the old
 * ?listing=KEY answers with a 301 to it), a meta description on the listing
 * and CRM pages, schema.org RealEstateListing data with its Offer, the
 * listing's canonical URL, and the public listings in WordPress's own
 * sitemaps (wp-sitemap-listings-1.xml ...).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Listing_Seo {

	const QUERY_VAR       = 'senw_listing';
	const REWRITE_VERSION = '1';
	const SITEMAP_PAGE    = 2000;

	public static function register() {
		add_action( 'init', array( __CLASS__, 'rewrite' ) );
		add_filter( 'query_vars', array( __CLASS__, 'query_vars' ) );
		add_action( 'template_redirect', array( __CLASS__, 'redirect_legacy' ), 5 );
		add_action( 'wp_head', array( __CLASS__, 'head' ), 2 );
		add_filter( 'get_canonical_url', array( __CLASS__, 'canonical' ), 10, 2 );
		add_action( 'init', array( __CLASS__, 'sitemaps' ), 20 );
	}

	/** The page holding the listing search (the 'listings' page). */
	public static function page() {
		$page = get_page_by_path( 'listings' );
		return $page && 'publish' === $page->post_status ? $page : null;
	}

	public static function rewrite() {
		$page = self::page();
		if ( $page ) {
			add_rewrite_rule( '^' . preg_quote( $page->post_name, '#' ) . '/([^/]+)(?:/[^/]*)?/?$', 'index.php?page_id=' . (int) $page->ID . '&' . self::QUERY_VAR . '=$matches[1]', 'top' );
		}
		// Sites that had the plugin before this rule existed get it without a manual "Save permalinks".
		if ( get_option( 'senw_crm_rewrite_version' ) !== self::REWRITE_VERSION ) {
			update_option( 'senw_crm_rewrite_version', self::REWRITE_VERSION );
			flush_rewrite_rules( false );
		}
	}

	public static function query_vars( $vars ) {
		$vars[] = self::QUERY_VAR;
		return $vars;
	}

	/** A listing's slug: its public address in lower-case words. */
	public static function slug( array $listing ) {
		$slug = sanitize_title( SENW_CRM_Properties::public_address( $listing ) );
		return '' === $slug ? 'listing' : $slug;
	}

	/** The listing's permalink; $search adds the visitor's search, so "All listings" can return to it. */
	public static function url( array $listing, array $search = array() ) {
		$page = self::page();
		$key  = rawurlencode( (string) $listing['ListingKey'] );
		if ( $page && get_option( 'permalink_structure' ) ) {
			$url = trailingslashit( get_permalink( $page ) ) . $key . '/' . self::slug( $listing ) . '/';
		} else {
			$base = $page ? get_permalink( $page ) : home_url( '/' );
			$url  = add_query_arg( 'listing', $key, $base );
		}
		return empty( $search ) ? $url : add_query_arg( array_map( 'rawurlencode', $search ), $url );
	}

	/** ?listing=KEY (the old form) moves permanently to the readable permalink. */
	public static function redirect_legacy() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a public page view.
		if ( ! isset( $_GET['listing'] ) || ! is_string( $_GET['listing'] ) || get_query_var( self::QUERY_VAR ) || ! get_option( 'permalink_structure' ) ) {
			return;
		}
		$page = self::page();
		if ( ! $page || ! is_page( $page->ID ) ) {
			return;
		}
		$listing = SENW_CRM_Properties::find( sanitize_text_field( wp_unslash( $_GET['listing'] ) ), true ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		if ( $listing ) {
			wp_safe_redirect( self::url( $listing ), 301 );
			exit;
		}
	}

	/** The public listing this request shows, or null. */
	public static function current() {
		return SENW_CRM_Listing_Search::current_listing();
	}

	/** A sentence on the listing for search results (about 155 characters). */
	public static function description( array $l ) {
		$bits = array();
		if ( null !== $l['BedroomsTotal'] && '' !== (string) $l['BedroomsTotal'] ) {
			/* translators: %s: bedrooms */
			$bits[] = sprintf( _n( '%s bedroom', '%s bedrooms', (int) $l['BedroomsTotal'], 'senw-crm' ), number_format_i18n( (int) $l['BedroomsTotal'] ) );
		}
		if ( null !== $l['BathroomsTotalInteger'] && '' !== (string) $l['BathroomsTotalInteger'] ) {
			/* translators: %s: bathrooms */
			$bits[] = sprintf( _n( '%s bathroom', '%s bathrooms', (int) $l['BathroomsTotalInteger'], 'senw-crm' ), number_format_i18n( (int) $l['BathroomsTotalInteger'] ) );
		}
		if ( null !== $l['LivingArea'] ) {
			/* translators: %s: living area */
			$bits[] = sprintf( __( '%s sq ft', 'senw-crm' ), number_format_i18n( (float) $l['LivingArea'] ) );
		}
		$lease = SENW_CRM_Listing_Search::is_lease( $l );
		$what  = trim( (string) $l['PropertyType'] );
		$what  = '' === $what ? __( 'Home', 'senw-crm' ) : $what;
		$text  = sprintf(
			/* translators: 1: property type, 2: for sale / for lease, 3: address, 4: price */
			__( '%1$s %2$s at %3$s, %4$s.', 'senw-crm' ),
			$what,
			$lease ? __( 'for lease', 'senw-crm' ) : __( 'for sale', 'senw-crm' ),
			SENW_CRM_Properties::public_address( $l ),
			SENW_CRM_Listing_Search::price( $l )
		);
		if ( $bits ) {
			$text .= ' ' . implode( ', ', $bits ) . '.';
		}
		$remarks = trim( wp_strip_all_tags( (string) $l['PublicRemarks'] ) );
		if ( '' !== $remarks && mb_strlen( $text ) < 120 ) {
			$text .= ' ' . $remarks;
		}
		return mb_strlen( $text ) > 160 ? rtrim( mb_substr( $text, 0, 157 ) ) . '…' : $text;
	}

	/** Meta description for the page being shown; '' leaves it to the theme or other plugins. */
	public static function page_description() {
		$listing = self::current();
		if ( $listing ) {
			return self::description( $listing );
		}
		if ( ! is_singular() && ! is_front_page() ) {
			return '';
		}
		$post = get_post();
		if ( ! $post ) {
			return '';
		}
		$name = SENW_CRM_Settings::brokerage_name();
		if ( has_shortcode( $post->post_content, 'senw_listing_search' ) ) {
			/* translators: %s: brokerage name */
			return sprintf( __( 'Search homes for sale and for lease with %s: photos, prices, open houses and details of every listing, updated from the MLS.', 'senw-crm' ), $name );
		}
		if ( has_shortcode( $post->post_content, 'senw_lead_form' ) || has_block( 'senw-crm/lead-form', $post ) ) {
			/* translators: %s: brokerage name */
			return sprintf( __( 'Contact %s: ask about a home, book a showing or get help buying or selling. An agent answers quickly.', 'senw-crm' ), $name );
		}
		$excerpt = has_excerpt( $post ) ? get_the_excerpt( $post ) : '';
		return '' === $excerpt ? '' : wp_trim_words( $excerpt, 30, '…' );
	}

	public static function head() {
		$description = self::page_description();
		if ( '' !== $description ) {
			printf( "<meta name=\"description\" content=\"%s\">\n", esc_attr( $description ) );
		}
		$listing = self::current();
		if ( $listing ) {
			echo '<script type="application/ld+json">' . wp_json_encode( self::structured_data( $listing ), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_HEX_TAG ) . "</script>\n";
		}
	}

	/** schema.org RealEstateListing with its Offer and the place offered. */
	public static function structured_data( array $l ) {
		$photos = SENW_CRM_Properties::photos( $l['ListingKey'] );
		$place  = array(
			'@type'   => 'SingleFamilyResidence',
			'name'    => SENW_CRM_Properties::public_address( $l ),
			'address' => array_filter(
				array(
					'@type'           => 'PostalAddress',
					'streetAddress'   => isset( $l['InternetAddressDisplayYN'] ) && null !== $l['InternetAddressDisplayYN'] && 0 === (int) $l['InternetAddressDisplayYN'] ? null : $l['UnparsedAddress'],
					'addressLocality' => $l['City'],
					'addressRegion'   => $l['StateOrProvince'],
					'postalCode'      => $l['PostalCode'],
				)
			),
		);
		if ( null !== $l['BedroomsTotal'] ) {
			$place['numberOfBedrooms'] = (int) $l['BedroomsTotal'];
		}
		if ( null !== $l['BathroomsTotalInteger'] ) {
			$place['numberOfBathroomsTotal'] = (int) $l['BathroomsTotalInteger'];
		}
		if ( null !== $l['LivingArea'] ) {
			$place['floorSize'] = array(
				'@type'    => 'QuantitativeValue',
				'value'    => (float) $l['LivingArea'],
				'unitCode' => 'FTK',
			);
		}
		if ( null !== $l['YearBuilt'] ) {
			$place['yearBuilt'] = (int) $l['YearBuilt'];
		}
		$offer = array(
			'@type'         => 'Offer',
			'priceCurrency' => 'USD',
			'availability'  => in_array( $l['StandardStatus'], array( 'Active', 'Coming Soon' ), true ) ? 'https://schema.org/InStock' : 'https://schema.org/SoldOut',
			'businessFunction' => SENW_CRM_Listing_Search::is_lease( $l ) ? 'http://purl.org/goodrelations/v1#LeaseOut' : 'http://purl.org/goodrelations/v1#Sell',
			'seller'        => array(
				'@type' => 'RealEstateAgent',
				'name'  => SENW_CRM_Settings::brokerage_name(),
			),
		);
		if ( null !== $l['ListPrice'] ) {
			$offer['price'] = (float) $l['ListPrice'];
		}
		$data = array(
			'@context'    => 'https://schema.org',
			'@type'       => 'RealEstateListing',
			'name'        => SENW_CRM_Properties::public_address( $l ),
			'url'         => self::url( $l ),
			'description' => self::description( $l ),
			'identifier'  => (string) ( $l['ListingId'] ? $l['ListingId'] : $l['ListingKey'] ),
			'offers'      => $offer,
			'about'       => $place,
		);
		if ( $photos ) {
			$data['image'] = array_slice( array_column( $photos, 'MediaURL' ), 0, 10 );
		}
		if ( ! empty( $l['ModificationTimestamp'] ) ) {
			$data['dateModified'] = gmdate( 'c', strtotime( substr( (string) $l['ModificationTimestamp'], 0, 19 ) . ' UTC' ) );
		}
		return $data;
	}

	/** The listing page's canonical URL is the listing's permalink, without the search. */
	public static function canonical( $url, $post ) {
		$listing = self::current();
		$page    = self::page();
		if ( $listing && $page && (int) $post->ID === (int) $page->ID ) {
			return self::url( $listing );
		}
		return $url;
	}

	public static function sitemaps() {
		if ( function_exists( 'wp_register_sitemap_provider' ) && class_exists( 'WP_Sitemaps_Provider' ) ) {
			wp_register_sitemap_provider( 'listings', new SENW_CRM_Listing_Sitemap() );
		}
	}

	/**
	 * One page of public listings for the sitemap: url and lastmod.
	 *
	 * @return array[]
	 */
	public static function sitemap_entries( $page ) {
		global $wpdb;
		$table                 = SENW_CRM_Properties::table( 'properties' );
		list( $sql, $args )    = SENW_CRM_Properties::public_sql();
		list( , $per_page, $offset ) = SENW_CRM_Db::page_offset( $page, self::SITEMAP_PAGE, self::SITEMAP_PAGE );
		$args[]                = $per_page;
		$args[]                = $offset;
		// phpcs:ignore WordPress.DB.PreparedSQL -- table name constant, $sql has placeholders.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT ListingKey, UnparsedAddress, City, StateOrProvince, PostalCode, InternetAddressDisplayYN, ModificationTimestamp FROM {$table} WHERE searchable = 1 AND {$sql} ORDER BY id LIMIT %d OFFSET %d", $args ), ARRAY_A );
		$out  = array();
		foreach ( $rows as $row ) {
			$entry = array( 'loc' => self::url( $row ) );
			if ( ! empty( $row['ModificationTimestamp'] ) ) {
				$entry['lastmod'] = gmdate( 'c', strtotime( substr( (string) $row['ModificationTimestamp'], 0, 19 ) . ' UTC' ) );
			}
			$out[] = $entry;
		}
		return $out;
	}

	public static function sitemap_pages_count() {
		global $wpdb;
		$table              = SENW_CRM_Properties::table( 'properties' );
		list( $sql, $args ) = SENW_CRM_Properties::public_sql();
		// phpcs:ignore WordPress.DB.PreparedSQL -- as above.
		$n = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE searchable = 1 AND {$sql}", $args ) );
		return (int) ceil( $n / self::SITEMAP_PAGE );
	}
}
