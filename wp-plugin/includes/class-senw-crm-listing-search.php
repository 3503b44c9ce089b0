<?php
/**
 * The public listing search: shortcode [senw_listing_search]. A GET form (so a
 * search is a shareable URL) with the agents' filters, result cards with the
 * first photo, and on the same page with ?listing=<ListingKey> the listing's
 * page with photos, facts, public remarks and the foundation's lead form
 * (listing_key set, source listing_inquiry).
 *
 * Only searchable listings the MLS allows on the internet, only public
 * columns (never PrivateRemarks), and the street address only where
 * InternetAddressDisplayYN allows it.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Listing_Search {

	const PER_PAGE = 12;

	/** @var array<string, array|null> Public listings looked up in this request, by key. */
	private static $found = array();

	/** Public sort choices: key => array( label, orderby, order ). */
	public static function sorts() {
		return array(
			'active'     => array( __( 'Active first', 'senw-crm' ), 'active', 'desc' ),
			'newest'     => array( __( 'Newest', 'senw-crm' ), 'newest', 'desc' ),
			'updated'    => array( __( 'Recently updated', 'senw-crm' ), 'modified', 'desc' ),
			'price_asc'  => array( __( 'Price (low to high)', 'senw-crm' ), 'price', 'asc' ),
			'price_desc' => array( __( 'Price (high to low)', 'senw-crm' ), 'price', 'desc' ),
			'beds_desc'  => array( __( 'Most bedrooms', 'senw-crm' ), 'beds', 'desc' ),
			'area_desc'  => array( __( 'Largest', 'senw-crm' ), 'living_area', 'desc' ),
			'dom_asc'    => array( __( 'Fewest days on market', 'senw-crm' ), 'dom', 'asc' ),
		);
	}

	public static function register() {
		add_shortcode( 'senw_listing_search', array( __CLASS__, 'shortcode' ) );
		add_action( 'wp_enqueue_scripts', array( __CLASS__, 'register_assets' ) );
		add_action( 'template_redirect', array( __CLASS__, 'listing_status' ) );
		add_filter( 'document_title_parts', array( __CLASS__, 'listing_title' ) );
	}

	/**
	 * The listing key this request asks for (the permalink's
	 * /listings/<key>/<slug>/ or the old ?listing=) when the page holds the
	 * search shortcode, else ''.
	 */
	private static function requested_key() {
		if ( ! is_singular() ) {
			return '';
		}
		$key = (string) get_query_var( SENW_CRM_Listing_Seo::QUERY_VAR );
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a public page view.
		if ( '' === $key && isset( $_GET['listing'] ) && is_string( $_GET['listing'] ) ) {
			$key = wp_unslash( $_GET['listing'] ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended, WordPress.Security.ValidatedSanitizedInput -- sanitized below.
		}
		if ( '' === $key ) {
			return '';
		}
		$post = get_post();
		if ( ! $post || ! has_shortcode( $post->post_content, 'senw_listing_search' ) ) {
			return '';
		}
		return sanitize_text_field( rawurldecode( $key ) );
	}

	/** The public listing the current request shows, or null. */
	public static function current_listing() {
		$key = self::requested_key();
		return '' === $key ? null : self::public_listing( $key );
	}

	/** A lease (Residential Lease, Commercial Lease): its price is per month. */
	public static function is_lease( array $l ) {
		return false !== stripos( (string) ( $l['PropertyType'] ?? '' ), 'lease' );
	}

	/** The list price as shown: $450,000, or $2,400/mo for a lease; '' without one. */
	public static function price( array $l ) {
		if ( ! isset( $l['ListPrice'] ) || null === $l['ListPrice'] || '' === (string) $l['ListPrice'] ) {
			return '';
		}
		$price = '$' . number_format_i18n( (float) $l['ListPrice'] );
		/* translators: %s: monthly rent */
		return self::is_lease( $l ) ? sprintf( __( '%s/mo', 'senw-crm' ), $price ) : $price;
	}

	/**
	 * The short facts of a result card, only those the listing has:
	 * "3 bd", "2 ba", "1,850 sq ft".
	 *
	 * @return string[]
	 */
	public static function card_facts( array $l ) {
		$facts = array();
		if ( isset( $l['BedroomsTotal'] ) && '' !== (string) $l['BedroomsTotal'] ) {
			/* translators: %s: bedrooms */
			$facts[] = sprintf( __( '%s bd', 'senw-crm' ), number_format_i18n( (int) $l['BedroomsTotal'] ) );
		}
		if ( isset( $l['BathroomsTotalInteger'] ) && '' !== (string) $l['BathroomsTotalInteger'] ) {
			/* translators: %s: bathrooms */
			$facts[] = sprintf( __( '%s ba', 'senw-crm' ), number_format_i18n( (int) $l['BathroomsTotalInteger'] ) );
		}
		if ( isset( $l['LivingArea'] ) && '' !== (string) $l['LivingArea'] ) {
			/* translators: %s: living area */
			$facts[] = sprintf( __( '%s sq ft', 'senw-crm' ), number_format_i18n( (float) $l['LivingArea'] ) );
		}
		return $facts;
	}

	/** The search's own page (the listings page), where results and listings live. */
	public static function search_url() {
		$page = SENW_CRM_Listing_Seo::page();
		if ( $page ) {
			return get_permalink( $page );
		}
		$url = get_permalink();
		return $url ? $url : home_url( '/' );
	}

	/** The visitor's search terms among $raw: known filter keys and the sort. */
	private static function kept_search( array $raw ) {
		$keep = array();
		foreach ( array_keys( SENW_CRM_Properties::filters() ) as $name ) {
			if ( isset( $raw[ $name ] ) && '' !== $raw[ $name ] ) {
				$keep[ $name ] = $raw[ $name ];
			}
		}
		if ( isset( $raw['sort'] ) && 'active' !== $raw['sort'] && isset( self::sorts()[ $raw['sort'] ] ) ) {
			$keep['sort'] = $raw['sort'];
		}
		if ( isset( $raw['pg'] ) && absint( $raw['pg'] ) > 1 ) {
			$keep['pg'] = (string) absint( $raw['pg'] );
		}
		if ( isset( $raw['view'] ) && 'map' === $raw['view'] ) {
			$keep['view'] = 'map';
		}
		return $keep;
	}

	/** A public listing by key, looked up once per request. */
	private static function public_listing( $key ) {
		if ( ! array_key_exists( $key, self::$found ) ) {
			self::$found[ $key ] = SENW_CRM_Properties::find( $key, true );
		}
		return self::$found[ $key ];
	}

	/**
	 * A listing that is not (or no longer) public answers 404, with the page's
	 * message; a view of a public one is recorded as a DetailedView after the
	 * page is out.
	 */
	public static function listing_status() {
		$key = self::requested_key();
		if ( '' === $key ) {
			return;
		}
		$listing = self::public_listing( $key );
		if ( ! $listing ) {
			status_header( 404 );
			nocache_headers();
			return;
		}
		// A recognised visitor's view is their engagement event; anyone else's
		// is counted anonymously.
		if ( SENW_CRM_Visitor::record( 'DetailedView', $listing['ListingKey'] ) ) {
			return;
		}
		add_action(
			'shutdown',
			static function () use ( $listing ) {
				self::record_view( $listing['ListingKey'] );
			}
		);
	}

	/**
	 * RESO InternetTracking DetailedView of a listing: one INSERT, after the
	 * response is flushed where the server allows it. Not for crawlers or CRM
	 * users; the referrer is kept without its query string, the IP not at all.
	 */
	public static function record_view( $listing_key ) {
		global $wpdb;
		$ua = isset( $_SERVER['HTTP_USER_AGENT'] ) ? sanitize_text_field( wp_unslash( $_SERVER['HTTP_USER_AGENT'] ) ) : '';
		if ( preg_match( '/bot|crawl|spider|slurp|preview/i', $ua ) || current_user_can( 'senw_view_properties' ) ) {
			return;
		}
		if ( function_exists( 'fastcgi_finish_request' ) ) {
			fastcgi_finish_request();
		}
		$referrer = wp_get_raw_referer();
		$referrer = $referrer ? strtok( esc_url_raw( $referrer ), '?#' ) : null;
		$wpdb->insert(
			SENW_CRM_Db::t( 'events' ),
			array(
				'event_key'       => wp_generate_uuid4(),
				'event_type'      => 'DetailedView',
				'event_timestamp' => SENW_CRM_Db::now(),
				'actor_type'      => 'Visitor',
				'object_type'     => 'Property',
				'object_key'      => substr( (string) $listing_key, 0, 255 ),
				'device_type'     => SENW_CRM_Leads::device_type( $ua ),
				'referring_url'   => $referrer ? substr( $referrer, 0, 2000 ) : null,
				'user_agent'      => '' === $ua ? null : mb_substr( $ua, 0, 500 ),
			),
			array( '%s', '%s', '%s', '%s', '%s', '%s', '%s', '%s', '%s' )
		);
	}

	/** The listing's public address as the page title. */
	public static function listing_title( $parts ) {
		$listing = self::current_listing();
		if ( $listing ) {
			$price          = self::price( $listing );
			$parts['title'] = SENW_CRM_Properties::public_address( $listing ) . ( '' !== $price ? ' – ' . $price : '' );
		}
		return $parts;
	}

	public static function register_assets() {
		wp_register_style( 'senw-crm-listings', plugins_url( 'assets/listings.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
		wp_register_script( 'senw-crm-listings', plugins_url( 'assets/listings-search.js', SENW_CRM_FILE ), array(), SENW_CRM_VERSION, true );
	}

	/** The query string as the visitor sent it, one string per key. */
	private static function input() {
		$raw = array();
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- a public search form: reads only.
		foreach ( $_GET as $key => $value ) {
			if ( is_string( $key ) && is_string( $value ) ) {
				$raw[ sanitize_key( $key ) ] = sanitize_text_field( wp_unslash( $value ) );
			}
		}
		// phpcs:enable
		return $raw;
	}

	public static function shortcode( $atts ) {
		wp_enqueue_style( 'senw-crm-listings' );
		wp_enqueue_script( 'senw-crm-listings' );
		$raw  = self::input();
		$base = self::search_url();
		$key  = self::requested_key();
		if ( '' !== $key ) {
			return self::listing_page( $key, add_query_arg( array_map( 'rawurlencode', self::kept_search( $raw ) ), $base ) );
		}

		list( $filters, $errors ) = SENW_CRM_Properties::parse_filters( $raw, false );
		$sorts                    = self::sorts();
		$sort                     = isset( $raw['sort'], $sorts[ $raw['sort'] ] ) ? $raw['sort'] : 'active';
		$page                     = isset( $raw['pg'] ) ? max( 1, min( 10000, absint( $raw['pg'] ) ) ) : 1;
		$result                   = SENW_CRM_Properties::search( $filters, $sorts[ $sort ][1], $sorts[ $sort ][2], $page, self::PER_PAGE, true );
		$pages                    = (int) ceil( $result['total'] / self::PER_PAGE );
		if ( $filters && ! $errors ) {
			// A recognised visitor's search: its criteria, nothing else of the URL.
			SENW_CRM_Visitor::record( 'Search', null, array( 'criteria' => $filters ) );
		}

		// Links keep the visitor's filters; only known keys go back into URLs.
		$keep = self::kept_search( $raw );
		unset( $keep['pg'] );
		$cards = array();
		foreach ( $result['rows'] as $row ) {
			$cards[] = array(
				'url'     => SENW_CRM_Listing_Seo::url( $row, $page > 1 ? $keep + array( 'pg' => (string) $page ) : $keep ),
				'photo'   => $row['first_photo_url'],
				'price'   => self::price( $row ),
				'facts'   => self::card_facts( $row ),
				'address' => SENW_CRM_Properties::public_address( $row ),
				'status'  => $row['StandardStatus'],
				'type'    => $row['PropertyType'],
				'key'     => $row['ListingKey'],
			);
		}
		$list_keep = $keep;
		unset( $list_keep['view'] );
		$map_view = isset( $keep['view'] );
		return self::render(
			'listing-search',
			array(
				'views'   => array(
					'list' => array( __( 'List', 'senw-crm' ), add_query_arg( array_map( 'rawurlencode', $list_keep ), $base ), ! $map_view ),
					'map'  => array( __( 'Map', 'senw-crm' ), add_query_arg( array_map( 'rawurlencode', $list_keep + array( 'view' => 'map' ) ), $base ), $map_view ),
				),
				'map'     => $map_view ? SENW_CRM_Listing_Map::render( SENW_CRM_Listing_Map::markers( $result['rows'], $cards ), count( $cards ) ) : '',
				'action'  => $base,
				'raw'     => $raw,
				'errors'  => $errors,
				'filters' => SENW_CRM_Properties::filters(),
				'options' => array(
					'status'        => isset( $filters['status'] ) && ! in_array( $filters['status'], SENW_CRM_Settings::public_statuses(), true ) ? array_merge( SENW_CRM_Settings::public_statuses(), array( $filters['status'] ) ) : SENW_CRM_Settings::public_statuses(),
					'property_type' => SENW_CRM_Properties::TYPES,
				),
				'sorts'   => $sorts,
				'sort'    => $sort,
				'cards'   => $cards,
				'total'   => $result['total'],
				'page'    => $page,
				'pages'   => $pages,
				'prev'    => $page > 1 ? add_query_arg( array_map( 'rawurlencode', array_merge( $keep, array( 'pg' => $page - 1 ) ) ), $base ) : '',
				'next'    => $page < $pages ? add_query_arg( array_map( 'rawurlencode', array_merge( $keep, array( 'pg' => $page + 1 ) ) ), $base ) : '',
			)
		);
	}

	private static function listing_page( $listing_key, $base ) {
		$listing = self::public_listing( $listing_key );
		if ( ! $listing ) {
			return self::render( 'listing-not-found', array( 'back_url' => $base ) );
		}
		$form  = SENW_CRM_Lead_Form::shortcode(
			array(
				'listing_key' => $listing['ListingKey'],
				'source'      => 'listing_inquiry',
				'title'       => __( 'Request info / book a showing', 'senw-crm' ),
			)
		);
		return self::render(
			'listing-page',
			array(
				'listing'  => $listing,
				'address'  => SENW_CRM_Properties::public_address( $listing ),
				'price'    => self::price( $listing ),
				'photos'   => SENW_CRM_Properties::photos( $listing['ListingKey'] ),
				'open'     => SENW_CRM_Properties::open_houses( $listing['ListingKey'] ),
				'facts'    => SENW_CRM_Properties::facts( $listing ),
				'form'     => $form,
				'back_url' => $base,
			)
		);
	}

	/**
	 * Renders templates/properties/<name>.php into a string.
	 *
	 * @param string $name Template name.
	 * @param array  $vars Variables for the template.
	 */
	private static function render( $name, array $vars ) {
		ob_start();
		SENW_CRM_Properties::template( $name, $vars );
		return (string) ob_get_clean();
	}
}
