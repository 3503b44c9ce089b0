<?php
/**
 * Property search over the replicated MLS listings (wp_senw_properties): the
 * one place that turns search filters into SQL, for the agents' screen, the
 * REST route and the public listing search alike.
 *
 * Filters are validated here once, with one message per bad field; the query
 * touches only the properties table (COUNT without joins) and uses its
 * indexes; related rows (photos, open houses, agent, office, leads, deals) are
 * fetched in one query per kind, never per row.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Properties {

	/** RESO StandardStatus display names (as 002_mls.sql stores them). */
	const STATUSES = array( 'Active', 'Active Under Contract', 'Canceled', 'Closed', 'Coming Soon', 'Delete', 'Expired', 'Hold', 'Incomplete', 'Pending', 'Withdrawn' );

	/** RESO PropertyType display names. */
	const TYPES = array( 'Business Opportunity', 'Commercial Lease', 'Commercial Sale', 'Farm', 'Land', 'Manufactured In Park', 'Residential', 'Residential Income', 'Residential Lease' );

	/**
	 * Sort key => column. Ties are broken by id so pages never overlap.
	 * 'newest' (the default) is the order listings reached the CRM: the
	 * primary key, so it needs no index of its own.
	 */
	const SORTS = array(
		'newest'      => 'id',
		'price'       => 'ListPrice',
		'dom'         => 'DaysOnMarket',
		'modified'    => 'ModificationTimestamp',
		'beds'        => 'BedroomsTotal',
		'living_area' => 'LivingArea',
	);

	const MAX_PER_PAGE = 100;

	/**
	 * What the public site may show: the MLS allows it online and it is on the
	 * market or sold (off-market statuses such as Expired or Withdrawn are for
	 * agents only; CRM Settings choose the statuses). Returns the SQL and its
	 * arguments.
	 *
	 * @return array{0: string, 1: string[]}
	 */
	public static function public_sql() {
		$statuses = SENW_CRM_Settings::public_statuses();
		$marks    = implode( ', ', array_fill( 0, count( $statuses ), '%s' ) );
		return array( "(InternetEntireListingDisplayYN IS NULL OR InternetEntireListingDisplayYN <> 0) AND StandardStatus IN ({$marks})", $statuses );
	}

	/** Columns of a list row (agents). */
	const LIST_COLUMNS = array( 'id', 'ListingKey', 'ListingId', 'StandardStatus', 'PropertyType', 'PropertySubType', 'ListPrice', 'BedroomsTotal', 'BathroomsTotalInteger', 'LivingArea', 'UnparsedAddress', 'City', 'StateOrProvince', 'PostalCode', 'DaysOnMarket', 'ModificationTimestamp', 'ListAgentFullName', 'ListOfficeName', 'first_photo_url', 'searchable', 'InternetAddressDisplayYN' );

	/** The only columns the public site ever reads. PrivateRemarks is not one of them. */
	const PUBLIC_COLUMNS = array( 'id', 'ListingKey', 'ListingId', 'StandardStatus', 'PropertyType', 'PropertySubType', 'ListPrice', 'BedroomsTotal', 'BathroomsTotalInteger', 'BathroomsFull', 'BathroomsHalf', 'LivingArea', 'LotSizeAcres', 'YearBuilt', 'StoriesTotal', 'GarageSpaces', 'UnparsedAddress', 'City', 'StateOrProvince', 'PostalCode', 'SubdivisionName', 'DaysOnMarket', 'PublicRemarks', 'ListOfficeName', 'VirtualTourURLUnbranded', 'first_photo_url', 'InternetAddressDisplayYN', 'ModificationTimestamp', 'Latitude', 'Longitude' );

	public static function table( $name ) {
		global $wpdb;
		return $wpdb->prefix . 'senw_' . $name;
	}

	/**
	 * The filters every search accepts: name => [type, label, column].
	 * Types: status, type (lookups), money, int, area, text, keyword.
	 */
	public static function filters() {
		return array(
			'status'        => array( 'status', __( 'Status', 'senw-crm' ), 'StandardStatus' ),
			'property_type' => array( 'type', __( 'Property type', 'senw-crm' ), 'PropertyType' ),
			'min_price'     => array( 'money', __( 'Min price', 'senw-crm' ), 'ListPrice' ),
			'max_price'     => array( 'money', __( 'Max price', 'senw-crm' ), 'ListPrice' ),
			'min_beds'      => array( 'int', __( 'Beds (min)', 'senw-crm' ), 'BedroomsTotal' ),
			'min_baths'     => array( 'int', __( 'Baths (min)', 'senw-crm' ), 'BathroomsTotalInteger' ),
			'min_area'      => array( 'area', __( 'Min living area', 'senw-crm' ), 'LivingArea' ),
			'max_area'      => array( 'area', __( 'Max living area', 'senw-crm' ), 'LivingArea' ),
			'city'          => array( 'text', __( 'City', 'senw-crm' ), 'City' ),
			'postal_code'   => array( 'text', __( 'Postal code', 'senw-crm' ), 'PostalCode' ),
			'max_dom'       => array( 'int', __( 'Days on market (max)', 'senw-crm' ), 'DaysOnMarket' ),
			'keyword'       => array( 'keyword', __( 'Keyword', 'senw-crm' ), '' ),
		);
	}

	/**
	 * Accepts a RESO lookup value as display name ("Active Under Contract") or
	 * enumeration member name ("ActiveUnderContract"), any case; returns the
	 * display name or null.
	 */
	public static function lookup( $value, array $allowed ) {
		$want = strtolower( preg_replace( '/[^A-Za-z]/', '', (string) $value ) );
		foreach ( $allowed as $name ) {
			if ( strtolower( str_replace( ' ', '', $name ) ) === $want ) {
				return $name;
			}
		}
		return null;
	}

	/**
	 * Validates raw filter input (already unslashed). Returns
	 * array( filters, errors ): filters holds only the given, valid values;
	 * errors maps a field to its message. Unknown keys are ignored.
	 *
	 * @param array $raw          Input, e.g. $_GET or REST params.
	 * @param bool  $show_removed Whether the caller may see removed listings.
	 */
	public static function parse_filters( array $raw, $show_removed = false ) {
		$filters = array();
		$errors  = array();
		foreach ( self::filters() as $name => $spec ) {
			if ( ! isset( $raw[ $name ] ) || is_array( $raw[ $name ] ) ) {
				if ( isset( $raw[ $name ] ) ) {
					/* translators: %s: field label */
					$errors[ $name ] = sprintf( __( '%s must be a single value.', 'senw-crm' ), $spec[1] );
				}
				continue;
			}
			$value = trim( (string) $raw[ $name ] );
			if ( '' === $value ) {
				continue;
			}
			switch ( $spec[0] ) {
				case 'status':
				case 'type':
					$found = self::lookup( $value, 'status' === $spec[0] ? self::STATUSES : self::TYPES );
					if ( null === $found ) {
						/* translators: %s: field label */
						$errors[ $name ] = sprintf( __( '%s is not a known value.', 'senw-crm' ), $spec[1] );
					} else {
						$filters[ $name ] = $found;
					}
					break;
				case 'money':
				case 'area':
					$number = str_replace( array( ',', '$', ' ' ), '', $value );
					if ( ! is_numeric( $number ) || (float) $number < 0 || (float) $number > 1e12 ) {
						/* translators: %s: field label */
						$errors[ $name ] = sprintf( __( '%s must be a number of 0 or more.', 'senw-crm' ), $spec[1] );
					} else {
						$filters[ $name ] = (float) $number;
					}
					break;
				case 'int':
					if ( ! preg_match( '/^\d{1,6}$/', $value ) ) {
						/* translators: %s: field label */
						$errors[ $name ] = sprintf( __( '%s must be a whole number of 0 or more.', 'senw-crm' ), $spec[1] );
					} else {
						$filters[ $name ] = (int) $value;
					}
					break;
				case 'text':
					$text = sanitize_text_field( $value );
					if ( strlen( $text ) > 100 ) {
						/* translators: %s: field label */
						$errors[ $name ] = sprintf( __( '%s is too long (100 characters at most).', 'senw-crm' ), $spec[1] );
					} else {
						$filters[ $name ] = $text;
					}
					break;
				case 'keyword':
					$words = self::keyword_words( $value );
					// One token may be an MLS number (ListingId) or a ListingKey, searched exactly.
					$is_id = (bool) preg_match( '/^[A-Za-z0-9._-]{1,64}$/', $value ) && preg_match( '/\d/', $value );
					if ( $is_id ) {
						$filters['mls_id'] = $value;
					}
					if ( strlen( $value ) > 200 ) {
						$errors[ $name ] = __( 'Keyword is too long (200 characters at most).', 'senw-crm' );
					} elseif ( ! $words && $is_id ) {
						break;
					} elseif ( ! $words ) {
						$errors[ $name ] = __( 'Keyword needs at least one word of three or more letters or digits (common words such as "with" are not searched).', 'senw-crm' );
					} else {
						$filters[ $name ] = implode( ' ', $words );
					}
					break;
			}
		}
		foreach ( array( array( 'min_price', 'max_price' ), array( 'min_area', 'max_area' ) ) as $pair ) {
			if ( isset( $filters[ $pair[0] ], $filters[ $pair[1] ] ) && $filters[ $pair[0] ] > $filters[ $pair[1] ] ) {
				$labels          = self::filters();
				/* translators: 1: max field label, 2: min field label */
				$errors[ $pair[1] ] = sprintf( __( '%1$s must not be less than %2$s.', 'senw-crm' ), $labels[ $pair[1] ][1], $labels[ $pair[0] ][1] );
				unset( $filters[ $pair[1] ] );
			}
		}
		if ( $show_removed && ! empty( $raw['show_removed'] ) && ! is_array( $raw['show_removed'] ) && '0' !== (string) $raw['show_removed'] && 'false' !== (string) $raw['show_removed'] ) {
			$filters['show_removed'] = true;
		}
		return array( $filters, $errors );
	}

	/**
	 * InnoDB's default FULLTEXT stopwords of three letters or more: the index
	 * holds none of them, so a required (+) stopword would match nothing.
	 */
	const STOPWORDS = array( 'about', 'are', 'com', 'for', 'from', 'how', 'that', 'the', 'this', 'was', 'what', 'when', 'where', 'who', 'will', 'with', 'und', 'www' );

	/**
	 * Words for the FULLTEXT index: letters and digits, at least three long
	 * (InnoDB's minimum token size), no stopwords, at most eight words.
	 */
	public static function keyword_words( $keyword ) {
		$words = preg_split( '/[^\p{L}\p{N}]+/u', mb_strtolower( (string) $keyword ), -1, PREG_SPLIT_NO_EMPTY );
		$words = array_filter(
			(array) $words,
			static function ( $w ) {
				return mb_strlen( $w ) >= 3 && ! in_array( $w, self::STOPWORDS, true );
			}
		);
		return array_slice( array_values( array_unique( $words ) ), 0, 8 );
	}

	/**
	 * WHERE clause (prepared) for filters. Public searches also drop listings
	 * the MLS does not allow on the internet.
	 *
	 * @param array $filters From parse_filters().
	 * @param bool  $public  The public site is asking.
	 */
	public static function where_sql( array $filters, $public = false ) {
		global $wpdb;
		$where = array();
		$args  = array();
		if ( $public || empty( $filters['show_removed'] ) ) {
			$where[] = 'searchable = 1';
		}
		if ( $public ) {
			list( $public_sql, $public_args ) = self::public_sql();
			$where[] = $public_sql;
			$args    = array_merge( $args, $public_args );
		}
		$ops = array(
			'status'        => array( 'StandardStatus', '=', '%s' ),
			'property_type' => array( 'PropertyType', '=', '%s' ),
			'min_price'     => array( 'ListPrice', '>=', '%f' ),
			'max_price'     => array( 'ListPrice', '<=', '%f' ),
			'min_beds'      => array( 'BedroomsTotal', '>=', '%d' ),
			'min_baths'     => array( 'BathroomsTotalInteger', '>=', '%d' ),
			'min_area'      => array( 'LivingArea', '>=', '%f' ),
			'max_area'      => array( 'LivingArea', '<=', '%f' ),
			'city'          => array( 'City', '=', '%s' ),
			'postal_code'   => array( 'PostalCode', '=', '%s' ),
			'max_dom'       => array( 'DaysOnMarket', '<=', '%d' ),
		);
		foreach ( $ops as $name => $op ) {
			if ( isset( $filters[ $name ] ) ) {
				$where[] = "{$op[0]} {$op[1]} {$op[2]}";
				$args[]  = $filters[ $name ];
			}
		}
		if ( isset( $filters['mls_id'] ) && ! isset( $filters['keyword'] ) ) {
			$where[] = '(ListingId = %s OR ListingKey = %s)';
			array_push( $args, $filters['mls_id'], $filters['mls_id'] );
		}
		if ( isset( $filters['keyword'] ) ) {
			// Every word must match, as a word prefix; the words carry no operators.
			$boolean = implode(
				' ',
				array_map(
					static function ( $w ) {
						return '+' . $w . '*';
					},
					explode( ' ', $filters['keyword'] )
				)
			);
			if ( isset( $filters['mls_id'] ) ) {
				$where[] = '(MATCH(UnparsedAddress, PublicRemarks, SubdivisionName, City) AGAINST (%s IN BOOLEAN MODE) OR ListingId = %s OR ListingKey = %s)';
				array_push( $args, $boolean, $filters['mls_id'], $filters['mls_id'] );
			} else {
				$where[] = 'MATCH(UnparsedAddress, PublicRemarks, SubdivisionName, City) AGAINST (%s IN BOOLEAN MODE)';
				$args[]  = $boolean;
			}
			if ( $public ) {
				// A hidden street address must not be findable by its words either.
				foreach ( explode( ' ', $filters['keyword'] ) as $word ) {
					$where[] = '(InternetAddressDisplayYN IS NULL OR InternetAddressDisplayYN <> 0 OR UnparsedAddress IS NULL OR UnparsedAddress NOT LIKE %s)';
					$args[]  = '%' . $wpdb->esc_like( $word ) . '%';
				}
			}
		}
		$sql = $where ? 'WHERE ' . implode( ' AND ', $where ) : '';
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- placeholders built above from fixed strings.
		return $args ? $wpdb->prepare( $sql, $args ) : $sql;
	}

	/**
	 * ORDER BY for a sort key and direction; unknown keys fall back to the
	 * newest listings first.
	 */
	public static function order_sql( $orderby, $order ) {
		if ( 'active' === $orderby ) {
			// Active listings first, each group newest first.
			return "ORDER BY StandardStatus = 'Active' DESC, id DESC";
		}
		$column = isset( self::SORTS[ $orderby ] ) ? self::SORTS[ $orderby ] : 'id';
		$dir    = 'asc' === strtolower( (string) $order ) ? 'ASC' : 'DESC';
		return 'id' === $column ? "ORDER BY id {$dir}" : "ORDER BY {$column} {$dir}, id {$dir}";
	}

	/**
	 * One page of listings and the total count.
	 *
	 * @return array{rows: array, total: int}
	 */
	public static function search( array $filters, $orderby, $order, $page, $per_page, $public = false ) {
		global $wpdb;
		$table    = self::table( 'properties' );
		$where    = self::where_sql( $filters, $public );
		list( , $per_page, $offset ) = SENW_CRM_Db::page_offset( $page, $per_page, self::MAX_PER_PAGE );
		$columns  = implode( ', ', $public ? self::PUBLIC_COLUMNS : self::LIST_COLUMNS );
		$order    = self::order_sql( $orderby, $order );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- $where prepared in where_sql(); table and columns are constants.
		if ( isset( $filters['keyword'] ) ) {
			// A FULLTEXT match is read and sorted whole for the page anyway: count it in the
			// same pass (measured at 100k listings: half the time of COUNT + page).
			$rows  = $wpdb->get_results( "SELECT SQL_CALC_FOUND_ROWS {$columns} FROM {$table} {$where} {$order} LIMIT {$per_page} OFFSET {$offset}", ARRAY_A );
			$total = (int) $wpdb->get_var( 'SELECT FOUND_ROWS()' );
			return array(
				'rows'  => $rows ? $rows : array(),
				'total' => $total,
			);
		}
		$total = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table} {$where}" );
		// $where is prepared already (never prepare twice); LIMIT takes the ints as they are.
		$rows = $total > $offset ? $wpdb->get_results( "SELECT {$columns} FROM {$table} {$where} {$order} LIMIT {$per_page} OFFSET {$offset}", ARRAY_A ) : array();
		// phpcs:enable
		return array(
			'rows'  => $rows ? $rows : array(),
			'total' => $total,
		);
	}

	/**
	 * One listing by ListingKey, or null. Public callers get only public
	 * columns and only listings shown on the internet.
	 */
	public static function find( $listing_key, $public = false, $show_removed = false ) {
		global $wpdb;
		$table   = self::table( 'properties' );
		$columns = $public ? implode( ', ', self::PUBLIC_COLUMNS ) : '*';
		$extra   = '';
		if ( $public || ! $show_removed ) {
			$extra .= ' AND searchable = 1';
		}
		$args = array( (string) $listing_key );
		if ( $public ) {
			list( $public_sql, $public_args ) = self::public_sql();
			$extra .= ' AND ' . $public_sql;
			$args   = array_merge( $args, $public_args );
		}
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table, columns and $extra are constants.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT {$columns} FROM {$table} WHERE ListingKey = %s{$extra}", $args ), ARRAY_A );
		if ( $row && ! $public ) {
			unset( $row['extra'] );
		}
		return $row ? $row : null;
	}

	/** Photos of one listing, in RESO Order. */
	public static function photos( $listing_key ) {
		global $wpdb;
		$table = self::table( 'mls_media' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT MediaKey, MediaURL, MediaCategory, `Order`, ShortDescription FROM {$table} WHERE ResourceRecordKey = %s AND ResourceName = 'Property' AND MediaURL IS NOT NULL AND (MediaCategory IS NULL OR MediaCategory IN ('Photo', 'Photos', 'Image')) ORDER BY `Order` IS NULL, `Order`, id", (string) $listing_key ), ARRAY_A );
		return $rows ? $rows : array();
	}

	/** Open houses of one listing from today on (and today's past ones), by start. */
	public static function open_houses( $listing_key ) {
		global $wpdb;
		$table = self::table( 'mls_open_houses' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT OpenHouseKey, OpenHouseDate, OpenHouseStartTime, OpenHouseEndTime, OpenHouseStatus, OpenHouseRemarks FROM {$table} WHERE ListingKey = %s AND removed_at IS NULL AND (OpenHouseDate IS NULL OR OpenHouseDate >= UTC_DATE()) ORDER BY OpenHouseStartTime, id LIMIT 50", (string) $listing_key ), ARRAY_A );
		return $rows ? $rows : array();
	}

	/** The listing agent (Member) and office (Office) rows, either may be null. */
	public static function agent_and_office( array $listing ) {
		global $wpdb;
		$agent  = null;
		$office = null;
		if ( ! empty( $listing['ListAgentKey'] ) ) {
			$table = self::table( 'mls_members' );
			// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
			$agent = $wpdb->get_row( $wpdb->prepare( "SELECT MemberKey, MemberMlsId, MemberFullName, MemberFirstName, MemberLastName, MemberEmail, MemberMobilePhone, OfficeKey, MemberStatus FROM {$table} WHERE MemberKey = %s", $listing['ListAgentKey'] ), ARRAY_A );
		}
		$office_key = ! empty( $listing['ListOfficeKey'] ) ? $listing['ListOfficeKey'] : ( $agent ? $agent['OfficeKey'] : '' );
		if ( $office_key ) {
			$table = self::table( 'mls_offices' );
			// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
			$office = $wpdb->get_row( $wpdb->prepare( "SELECT OfficeKey, OfficeMlsId, OfficeName, OfficePhone, OfficeEmail, OfficeStatus FROM {$table} WHERE OfficeKey = %s", $office_key ), ARRAY_A );
		}
		return array( $agent, $office );
	}

	/**
	 * Leads linked to a listing (senw_leads.listing_key) that $user_id may see;
	 * the visibility rule is part of the query.
	 */
	public static function linked_leads( $listing_key, $user_id, $limit = 100 ) {
		return self::linked_rows( 'leads', 'l.id, l.display_name, l.status, l.temperature, l.source, l.agent_id, l.created_at', $listing_key, $user_id, $limit );
	}

	/**
	 * Deals on a listing (senw_deals.listing_key) that $user_id may see: the
	 * leads rule applied to the deal's agent.
	 */
	public static function linked_deals( $listing_key, $user_id, $limit = 100 ) {
		return self::linked_rows( 'deals', 'l.id, l.lead_id, l.title, l.stage, l.value, l.probability, l.agent_id, l.expected_close_date', $listing_key, $user_id, $limit );
	}

	/**
	 * Rows of a CRM table (aliased l, with listing_key and agent_id) on one
	 * listing, newest first, within SENW_CRM_Visibility's lead scope.
	 */
	private static function linked_rows( $table, $columns, $listing_key, $user_id, $limit ) {
		global $wpdb;
		$scope = SENW_CRM_Visibility::lead_scope( $user_id, 'l', 'view' );
		if ( '0=1' === $scope['sql'] ) {
			return array();
		}
		$table = self::table( $table );
		$sql   = "SELECT {$columns} FROM {$table} l WHERE l.listing_key = %s AND {$scope['sql']} ORDER BY l.created_at DESC, l.id DESC LIMIT %d";
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- placeholders in $sql; scope SQL from SENW_CRM_Visibility.
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, array_merge( array( (string) $listing_key ), $scope['args'], array( (int) $limit ) ) ), ARRAY_A );
		return $rows ? $rows : array();
	}

	/** Display name of a WordPress user id, for agent columns ('' when unknown). */
	public static function user_name( $user_id ) {
		$user = $user_id ? get_userdata( (int) $user_id ) : false;
		return $user ? $user->display_name : '';
	}

	/**
	 * The address a visitor may see: the street address only when the MLS
	 * allows it (InternetAddressDisplayYN), otherwise city, state and postal code.
	 */
	public static function public_address( array $row ) {
		$place = trim( implode( ', ', array_filter( array( $row['City'] ?? '', trim( ( $row['StateOrProvince'] ?? '' ) . ' ' . ( $row['PostalCode'] ?? '' ) ) ) ) ) );
		if ( isset( $row['InternetAddressDisplayYN'] ) && null !== $row['InternetAddressDisplayYN'] && 0 === (int) $row['InternetAddressDisplayYN'] ) {
			return $place;
		}
		$street = trim( (string) ( $row['UnparsedAddress'] ?? '' ) );
		// RESO lets UnparsedAddress carry the city, state and postal code already.
		$city = trim( (string) ( $row['City'] ?? '' ) );
		if ( '' !== $street && '' !== $city && false !== mb_stripos( $street, $city ) ) {
			return $street;
		}
		return trim( $street . ( '' !== $street && '' !== $place ? ', ' : '' ) . $place );
	}

	/**
	 * Label => value pairs for a listing's facts, empty values left out. Only
	 * the columns present in $l are used, so a public row (PUBLIC_COLUMNS)
	 * yields public facts only.
	 *
	 * @param array $l A properties row.
	 */
	public static function facts( array $l ) {
		$get   = static function ( $k ) use ( $l ) {
			return isset( $l[ $k ] ) ? $l[ $k ] : null;
		};
		$money = static function ( $k ) use ( $get ) {
			return null === $get( $k ) ? null : '$' . number_format_i18n( (float) $get( $k ) );
		};
		$facts = array(
			__( 'Status', 'senw-crm' )              => $get( 'StandardStatus' ) . ( $get( 'MlsStatus' ) && $get( 'MlsStatus' ) !== $get( 'StandardStatus' ) ? ' (' . $get( 'MlsStatus' ) . ')' : '' ),
			__( 'List price', 'senw-crm' )          => $money( 'ListPrice' ),
			__( 'Original list price', 'senw-crm' ) => $money( 'OriginalListPrice' ),
			__( 'Close price', 'senw-crm' )         => $money( 'ClosePrice' ),
			__( 'Type', 'senw-crm' )                => trim( $get( 'PropertyType' ) . ( $get( 'PropertySubType' ) ? ' / ' . $get( 'PropertySubType' ) : '' ) ),
			__( 'Bedrooms', 'senw-crm' )            => $get( 'BedroomsTotal' ),
			__( 'Bathrooms', 'senw-crm' )           => $get( 'BathroomsTotalInteger' ),
			__( 'Living area (sq ft)', 'senw-crm' ) => null === $get( 'LivingArea' ) ? null : number_format_i18n( (float) $get( 'LivingArea' ) ),
			__( 'Lot (acres)', 'senw-crm' )         => $get( 'LotSizeAcres' ),
			__( 'Year built', 'senw-crm' )          => $get( 'YearBuilt' ),
			__( 'Stories', 'senw-crm' )             => $get( 'StoriesTotal' ),
			__( 'Garage spaces', 'senw-crm' )       => null === $get( 'GarageSpaces' ) ? null : (string) ( 0 + (float) $get( 'GarageSpaces' ) ), // RESO Decimal: 2.00 -> 2, 1.50 -> 1.5.
			__( 'Subdivision', 'senw-crm' )         => $get( 'SubdivisionName' ),
			__( 'County', 'senw-crm' )              => $get( 'CountyOrParish' ),
			__( 'Days on market', 'senw-crm' )      => $get( 'DaysOnMarket' ),
			__( 'On market', 'senw-crm' )           => $get( 'OnMarketDate' ),
			__( 'HOA fee', 'senw-crm' )             => $money( 'AssociationFee' ),
			__( 'Taxes (annual)', 'senw-crm' )      => $money( 'TaxAnnualAmount' ),
			__( 'MLS number', 'senw-crm' )          => $get( 'ListingId' ),
			__( 'Listing office', 'senw-crm' )      => $get( 'ListOfficeName' ),
			__( 'Modified', 'senw-crm' )            => self::local_time( $get( 'ModificationTimestamp' ) ),
		);
		return array_filter(
			$facts,
			static function ( $v ) {
				return null !== $v && '' !== (string) $v;
			}
		);
	}

	/**
	 * A UTC DATETIME from the feed in the site's time zone and date format
	 * ('' for empty).
	 *
	 * @param string|null $utc  'Y-m-d H:i:s[.v]' in UTC.
	 * @param string      $format PHP date format; the site's date and time formats by default.
	 */
	public static function local_time( $utc, $format = '' ) {
		if ( empty( $utc ) ) {
			return '';
		}
		$ts = strtotime( substr( (string) $utc, 0, 19 ) . ' UTC' );
		if ( false === $ts ) {
			return '';
		}
		return wp_date( '' !== $format ? $format : get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $ts );
	}

	/**
	 * Includes templates/properties/<name>.php with $vars in scope.
	 *
	 * @param string $name Template name.
	 * @param array  $vars Variables for the template.
	 */
	public static function template( $name, array $vars ) {
		$file = SENW_CRM_DIR . '/templates/properties/' . preg_replace( '/[^a-z0-9-]/', '', $name ) . '.php';
		// phpcs:ignore WordPress.PHP.DontExtract -- template variables, all set by this class.
		extract( $vars, EXTR_SKIP );
		include $file;
	}
}
