<?php
/**
 * Shared listing links. An agent picks listings for a client (from the
 * Properties search results, a property page or the lead page) and gets a
 * link /?senw_link=TOKEN: 32 random bytes (random_bytes), of which only the
 * SHA-256 is stored; the link itself is shown to the agent right after it is
 * made (and kept for them for an hour, to send it by email or SMS). Links
 * expire, can be revoked, and take more listings later. Each listing on a
 * link is a RESO ContactListings row (ContactListingsKey a random UUID).
 *
 * The public page (phone-first, one card at a time) posts the client's
 * reactions to /wp-json/senw-crm/v1/share/<token>/events, which hands them,
 * signed, to the sidecar's one intake (rate limits per token and IP there).
 * A revoked, expired or unknown token gets a clear page and records nothing.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Links {

	const QUERY_VAR    = 'senw_link';
	const DEFAULT_DAYS = 30;

	public static function register() {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
		add_action( 'template_redirect', array( __CLASS__, 'public_page' ), 0 );
		add_action( 'senw_crm_lead_page_main', array( __CLASS__, 'lead_box' ), 6, 2 );
		add_action( 'senw_crm_property_page_side', array( __CLASS__, 'property_box' ), 6 );
		add_action( 'admin_post_senw_crm_link_create', array( __CLASS__, 'handle_create' ) );
		add_action( 'admin_post_senw_crm_link_change', array( __CLASS__, 'handle_change' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'properties_assets' ) );
		add_action( 'admin_footer', array( __CLASS__, 'properties_panel' ) );
	}

	public static function url( $token ) {
		return add_query_arg( self::QUERY_VAR, $token, home_url( '/' ) );
	}

	/** The visibility rule on links (alias k): the leads rule on the link's agent. */
	public static function scope( $user_id, $mode = 'view' ) {
		return SENW_CRM_Visibility::lead_scope( $user_id, 'k', $mode );
	}

	/** Links the user may see, newest first, with their listings. */
	public static function query( array $filters, $user_id, $mode = 'view', $limit = 50 ) {
		global $wpdb;
		$scope = self::scope( $user_id, $mode );
		$where = array( $scope['sql'] );
		$args  = $scope['args'];
		foreach ( array( 'id' => '%d', 'lead_id' => '%d', 'person_id' => '%d' ) as $col => $fmt ) {
			if ( isset( $filters[ $col ] ) ) {
				$where[] = "k.{$col} = {$fmt}";
				$args[]  = $filters[ $col ];
			}
		}
		$args[] = (int) $limit;
		$sql    = 'SELECT k.id, k.person_id, k.lead_id, k.agent_id, k.deal_id, k.title, k.expires_at, k.revoked_at, k.created_at, k.last_opened_at, k.opens FROM `' . SENW_CRM_Db::t( 'listing_links' ) . '` k WHERE ' . implode( ' AND ', $where ) . ' ORDER BY k.id DESC LIMIT %d';
		$rows   = $wpdb->get_results( SENW_CRM_Db::prepare( $sql, $args ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
		foreach ( $rows as &$row ) {
			$row['listings'] = $wpdb->get_results( $wpdb->prepare( 'SELECT contact_listings_key, listing_key, contact_listing_preference, listing_viewed_yn, preference_at FROM `' . SENW_CRM_Db::t( 'contact_listings' ) . '` WHERE link_id = %d ORDER BY position, id', (int) $row['id'] ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$row['status']   = null !== $row['revoked_at'] ? 'revoked' : ( strtotime( $row['expires_at'] . ' UTC' ) <= time() ? 'expired' : 'active' );
		}
		return $rows;
	}

	/** Listing keys from input (a list or text with commas/spaces), each a known MLS listing. */
	public static function clean_keys( $raw ) {
		$items  = is_array( $raw ) ? $raw : preg_split( '/[\s,]+/', (string) $raw );
		$keys   = array();
		$errors = array();
		foreach ( $items as $item ) {
			$item = sanitize_text_field( (string) $item );
			if ( '' === $item ) {
				continue;
			}
			$row = SENW_CRM_Properties::find( $item, true );
			if ( ! $row ) {
				/* translators: %s: listing key */
				$errors[] = sprintf( __( '%s is not a listing that can be shared (unknown, or not shown on the public site).', 'senw-crm' ), $item );
				continue;
			}
			$keys[ $row['ListingKey'] ] = true;
		}
		return array( array_keys( $keys ), $errors );
	}

	/**
	 * Makes a link for a lead's client.
	 *
	 * @return array|WP_Error array( 'id' => int, 'token' => string, 'url' => string ).
	 */
	public static function create( $lead_id, $listing_keys, $days, $actor, $title = '' ) {
		global $wpdb;
		if ( ! current_user_can( 'senw_edit_leads' ) || ! SENW_CRM_Visibility::can_edit_lead( $actor, $lead_id ) ) {
			return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you may not share listings with this lead.', 'senw-crm' ), array( 'status' => 403 ) );
		}
		list( $keys, $errors ) = self::clean_keys( $listing_keys );
		$days                  = (int) $days;
		$fields                = array();
		if ( $errors ) {
			$fields['listing_keys'] = implode( ' ', $errors );
		} elseif ( ! $keys ) {
			$fields['listing_keys'] = __( 'Pick at least one listing to share.', 'senw-crm' );
		}
		if ( $days < 1 || $days > 365 ) {
			$fields['days'] = __( 'A link lasts 1 to 365 days.', 'senw-crm' );
		}
		if ( $fields ) {
			return new WP_Error( 'senw_crm_invalid', __( 'Some fields need attention.', 'senw-crm' ), array( 'status' => 400, 'fields' => $fields ) );
		}
		$lead  = $wpdb->get_row( $wpdb->prepare( 'SELECT id, person_id, agent_id FROM `' . SENW_CRM_Db::t( 'leads' ) . '` WHERE id = %d', (int) $lead_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$token = bin2hex( random_bytes( 32 ) );
		SENW_CRM_Db::begin();
		try {
			SENW_CRM_Db::check(
				$wpdb->insert(
					SENW_CRM_Db::t( 'listing_links' ),
					array(
						'token_hash' => hash( 'sha256', $token ),
						'person_id'  => (int) $lead['person_id'],
						'lead_id'    => (int) $lead['id'],
						'agent_id'   => $lead['agent_id'] ? (int) $lead['agent_id'] : (int) $actor,
						'title'      => mb_substr( sanitize_text_field( (string) $title ), 0, 200 ),
						'expires_at' => gmdate( 'Y-m-d H:i:s', time() + DAY_IN_SECONDS * $days ),
						'created_by' => (int) $actor,
						'created_at' => SENW_CRM_Db::now(),
					)
				)
			);
			$link_id = (int) $wpdb->insert_id;
			self::insert_listings( $link_id, (int) $lead['person_id'], $keys );
			SENW_CRM_Timeline::add_activity( (int) $lead['id'], (int) $lead['person_id'], $actor, 'system', sprintf( /* translators: %d: number of listings */ _n( 'Shared %d listing by link.', 'Shared %d listings by link.', count( $keys ), 'senw-crm' ), count( $keys ) ), array( 'link_id' => $link_id ) );
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
		} catch ( RuntimeException $e ) {
			SENW_CRM_Db::rollback();
			return new WP_Error( 'senw_crm_db_error', __( 'The link could not be made. Please try again.', 'senw-crm' ), array( 'status' => 500 ) );
		}
		SENW_CRM_Audit::log( 'create', 'listing_link', $link_id, array( 'lead_id' => (int) $lead['id'], 'listings' => count( $keys ) ), $actor );
		set_transient( self::token_key( $actor, $link_id ), $token, HOUR_IN_SECONDS );
		return array(
			'id'    => $link_id,
			'token' => $token,
			'url'   => self::url( $token ),
		);
	}

	private static function token_key( $user_id, $link_id ) {
		return 'senw_link_' . (int) $user_id . '_' . (int) $link_id;
	}

	/** The link's URL while its creator may still see it (an hour), else ''. */
	public static function shown_url( $user_id, $link_id ) {
		$token = get_transient( self::token_key( $user_id, $link_id ) );
		return is_string( $token ) && '' !== $token ? self::url( $token ) : '';
	}

	private static function insert_listings( $link_id, $person_id, array $keys ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'contact_listings' );
		$pos   = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COALESCE(MAX(position), 0) FROM `{$table}` WHERE link_id = %d", $link_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		foreach ( $keys as $key ) {
			++$pos;
			SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( "INSERT IGNORE INTO `{$table}` (contact_listings_key, link_id, person_id, listing_key, position, listing_sent_timestamp) VALUES (%s, %d, %d, %s, %d, %s)", wp_generate_uuid4(), $link_id, $person_id, $key, $pos, SENW_CRM_Db::now() ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		}
	}

	/**
	 * revoke | add (listing_keys) | send (channel) on a link the user may edit.
	 *
	 * @return true|WP_Error
	 */
	public static function change( $link_id, $op, array $in, $actor ) {
		global $wpdb;
		$rows = self::query( array( 'id' => (int) $link_id ), $actor, 'edit', 1 );
		if ( ! $rows || ! current_user_can( 'senw_edit_leads' ) ) {
			return new WP_Error( 'senw_crm_link_not_found', __( 'No link with that id that you may change.', 'senw-crm' ), array( 'status' => 404 ) );
		}
		$link  = $rows[0];
		$table = SENW_CRM_Db::t( 'listing_links' );
		if ( 'revoke' === $op ) {
			$wpdb->query( $wpdb->prepare( "UPDATE `{$table}` SET revoked_at = %s WHERE id = %d AND revoked_at IS NULL", SENW_CRM_Db::now(), (int) $link_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		} elseif ( 'add' === $op ) {
			list( $keys, $errors ) = self::clean_keys( isset( $in['listing_keys'] ) ? $in['listing_keys'] : '' );
			if ( $errors || ! $keys ) {
				return new WP_Error( 'senw_crm_invalid', __( 'Some fields need attention.', 'senw-crm' ), array( 'status' => 400, 'fields' => array( 'listing_keys' => $errors ? implode( ' ', $errors ) : __( 'Pick at least one listing to share.', 'senw-crm' ) ) ) );
			}
			if ( 'active' !== $link['status'] ) {
				return new WP_Error( 'senw_crm_link_inactive', __( 'This link is revoked or expired; make a new one.', 'senw-crm' ), array( 'status' => 409 ) );
			}
			SENW_CRM_Db::begin();
			try {
				self::insert_listings( (int) $link_id, (int) $link['person_id'], $keys );
				if ( ! SENW_CRM_Db::commit() ) {
					throw new RuntimeException( 'commit' );
				}
			} catch ( RuntimeException $e ) {
				SENW_CRM_Db::rollback();
				return new WP_Error( 'senw_crm_db_error', __( 'The listings could not be added.', 'senw-crm' ), array( 'status' => 500 ) );
			}
		} elseif ( 'send' === $op ) {
			$channel = isset( $in['channel'] ) && 'sms' === $in['channel'] ? 'sms' : 'email';
			$url     = self::shown_url( $actor, $link_id );
			if ( '' === $url || 'active' !== $link['status'] ) {
				return new WP_Error( 'senw_crm_link_send', __( 'Only a link made in the last hour can be sent (the CRM keeps no copy of a link after that); make a new one.', 'senw-crm' ), array( 'status' => 409 ) );
			}
			SENW_CRM_Db::begin();
			try {
				SENW_CRM_Db::check(
					$wpdb->insert(
						SENW_CRM_Db::t( 'outbox' ),
						array(
							'topic'   => 'links.send',
							'queue'   => 'high',
							'payload' => wp_json_encode(
								array(
									'link_id'     => (int) $link_id,
									'channel'     => $channel,
									'url'         => $url,
									'request_key' => substr( md5( wp_generate_uuid4() ), 0, 12 ),
								)
							),
						),
						array( '%s', '%s', '%s' )
					)
				);
				$outbox_id = (int) $wpdb->insert_id;
				if ( ! SENW_CRM_Db::commit() ) {
					throw new RuntimeException( 'commit' );
				}
			} catch ( RuntimeException $e ) {
				SENW_CRM_Db::rollback();
				return new WP_Error( 'senw_crm_db_error', __( 'The link could not be sent.', 'senw-crm' ), array( 'status' => 500 ) );
			}
			SENW_CRM_Sidecar::kick_outbox( $outbox_id );
		} else {
			return new WP_Error( 'senw_crm_invalid', __( 'Unknown action.', 'senw-crm' ), array( 'status' => 400 ) );
		}
		SENW_CRM_Audit::log( 'link_' . $op, 'listing_link', (int) $link_id, array(), $actor );
		return true;
	}

	// -- wp-admin ---------------------------------------------------------------------

	public static function lead_box( $lead, $can_edit ) {
		$user_id = get_current_user_id();
		$links   = self::query( array( 'lead_id' => (int) $lead['id'] ), $user_id );
		foreach ( $links as &$link ) {
			$link['url'] = self::shown_url( $user_id, $link['id'] );
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-links-box',
			array(
				'links'    => $links,
				'lead_id'  => (int) $lead['id'],
				'listing'  => (string) $lead['listing_key'],
				'can_edit' => $can_edit,
				'errors'   => self::take_errors(),
				'back'     => SENW_CRM_Admin::lead_url( (int) $lead['id'] ),
				'post_url' => admin_url( 'admin-post.php' ),
				'why'      => self::why( $lead ),
			)
		);
	}

	/** "Why hot": the lead's score now with its contributions (from the sidecar). */
	private static function why( $lead ) {
		$out = SENW_CRM_Admin_Dashboard::op( 'explain', array( 'person_id' => (int) $lead['person_id'] ), get_current_user_id() );
		return is_wp_error( $out ) ? null : $out;
	}

	/** The property page's "Share with a client" box. */
	public static function property_box( $listing ) {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			return;
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-link-share',
			array(
				'keys'     => array( (string) $listing['ListingKey'] ),
				'back'     => SENW_CRM_Admin_Properties::property_url( $listing['ListingKey'] ),
				'post_url' => admin_url( 'admin-post.php' ),
				'panel'    => false,
			)
		);
	}

	private static function on_properties_list( $single = false ) {
		global $plugin_page;
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- screen detection.
		return SENW_CRM_Admin_Properties::SLUG === $plugin_page && ( $single || ! isset( $_GET['listing'] ) ) && current_user_can( 'senw_edit_leads' );
	}

	public static function properties_assets() {
		if ( self::on_properties_list() ) {
			wp_enqueue_script( 'senw-crm-share-pick', plugins_url( 'assets/share-pick.js', SENW_CRM_FILE ), array(), SENW_CRM_VERSION, true );
		}
		if ( self::on_properties_list( true ) ) {
			wp_enqueue_script( 'senw-crm-lead-picker', plugins_url( 'assets/lead-picker.js', SENW_CRM_FILE ), array(), SENW_CRM_VERSION, true );
			wp_localize_script(
				'senw-crm-lead-picker',
				'senwLeadPicker',
				array(
					'root'  => esc_url_raw( rest_url( 'senw-crm/v1/' ) ),
					'nonce' => wp_create_nonce( 'wp_rest' ),
				)
			);
		}
	}

	/** Properties search results: pick rows, then "Share with a client". */
	public static function properties_panel() {
		if ( ! self::on_properties_list() ) {
			return;
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-link-share',
			array(
				'keys'     => array(),
				'back'     => admin_url( 'admin.php?page=' . SENW_CRM_Admin_Properties::SLUG ),
				'post_url' => admin_url( 'admin-post.php' ),
				'panel'    => true,
			)
		);
	}

	public static function handle_create() {
		check_admin_referer( 'senw_crm_link_create' );
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- checked above.
		$post    = wp_unslash( $_POST );
		$lead_id = isset( $post['lead'] ) ? absint( $post['lead'] ) : 0;
		$keys    = isset( $post['listing_keys'] ) ? ( is_array( $post['listing_keys'] ) ? array_map( 'strval', $post['listing_keys'] ) : (string) $post['listing_keys'] ) : '';
		$days    = isset( $post['days'] ) ? absint( $post['days'] ) : self::DEFAULT_DAYS;
		$title   = isset( $post['title'] ) ? (string) $post['title'] : '';
		// phpcs:enable
		$result = self::create( $lead_id, $keys, $days, get_current_user_id(), $title );
		if ( is_wp_error( $result ) ) {
			$data = $result->get_error_data();
			set_transient( 'senw_crm_link_errors_' . get_current_user_id(), array( 'message' => $result->get_error_message(), 'fields' => isset( $data['fields'] ) ? $data['fields'] : array() ), 60 );
			$back = isset( $post['back'] ) ? wp_validate_redirect( (string) $post['back'], admin_url() ) : admin_url();
			wp_safe_redirect( add_query_arg( 'senw_link_error', '1', $back ) );
			exit;
		}
		wp_safe_redirect( SENW_CRM_Admin::lead_url( $lead_id ) . '#senw-links' );
		exit;
	}

	public static function handle_change() {
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- the nonce embeds the id, checked next.
		$post    = wp_unslash( $_POST );
		$link_id = isset( $post['link'] ) ? absint( $post['link'] ) : 0;
		// phpcs:enable
		check_admin_referer( 'senw_crm_link_change_' . $link_id );
		$op     = isset( $post['op'] ) ? sanitize_key( (string) $post['op'] ) : '';
		$result = self::change(
			$link_id,
			$op,
			array(
				'listing_keys' => isset( $post['listing_keys'] ) ? (string) $post['listing_keys'] : '',
				'channel'      => isset( $post['channel'] ) ? sanitize_key( (string) $post['channel'] ) : '',
			),
			get_current_user_id()
		);
		$back = isset( $post['back'] ) ? wp_validate_redirect( (string) $post['back'], admin_url() ) : admin_url();
		if ( is_wp_error( $result ) ) {
			$data = $result->get_error_data();
			set_transient( 'senw_crm_link_errors_' . get_current_user_id(), array( 'message' => $result->get_error_message(), 'fields' => isset( $data['fields'] ) ? $data['fields'] : array() ), 60 );
			wp_safe_redirect( add_query_arg( 'senw_link_error', '1', $back ) . '#senw-links' );
			exit;
		}
		wp_safe_redirect( add_query_arg( 'senw_link_done', $op, $back ) . '#senw-links' );
		exit;
	}

	public static function take_errors() {
		$key = 'senw_crm_link_errors_' . get_current_user_id();
		$got = get_transient( $key );
		delete_transient( $key );
		return is_array( $got ) ? $got : null;
	}

	// -- REST -------------------------------------------------------------------------

	public static function routes() {
		$view = static function () {
			return SENW_CRM_REST_Deals_Controller::need( 'senw_view_leads' );
		};
		$edit = static function () {
			return SENW_CRM_REST_Deals_Controller::need( 'senw_edit_leads' );
		};
		register_rest_route(
			'senw-crm/v1',
			'/links',
			array(
				array(
					'methods'             => 'GET',
					'callback'            => static function ( $request ) {
						$filters = $request['lead_id'] ? array( 'lead_id' => (int) $request['lead_id'] ) : array();
						return rest_ensure_response( array_map( array( 'SENW_CRM_Links', 'shape' ), SENW_CRM_Links::query( $filters, get_current_user_id(), 'view', 200 ) ) );
					},
					'permission_callback' => $view,
				),
				array(
					'methods'             => 'POST',
					'callback'            => static function ( $request ) {
						$out = SENW_CRM_Links::create( (int) $request['lead_id'], $request['listing_keys'], null === $request['days'] ? SENW_CRM_Links::DEFAULT_DAYS : (int) $request['days'], get_current_user_id(), (string) $request['title'] );
						if ( is_wp_error( $out ) ) {
							return $out;
						}
						return new WP_REST_Response( $out, 201 );
					},
					'permission_callback' => $edit,
				),
			)
		);
		register_rest_route(
			'senw-crm/v1',
			'/links/(?P<id>[\d]+)',
			array(
				'methods'             => 'PATCH',
				'callback'            => static function ( $request ) {
					$out = SENW_CRM_Links::change( (int) $request['id'], (string) $request['op'], array( 'listing_keys' => $request['listing_keys'], 'channel' => (string) $request['channel'] ), get_current_user_id() );
					if ( is_wp_error( $out ) ) {
						return $out;
					}
					$rows = SENW_CRM_Links::query( array( 'id' => (int) $request['id'] ), get_current_user_id(), 'view', 1 );
					return rest_ensure_response( SENW_CRM_Links::shape( $rows[0] ) );
				},
				'permission_callback' => $edit,
			)
		);
		register_rest_route(
			'senw-crm/v1',
			'/share/(?P<token>[A-Za-z0-9]{1,128})/events',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'public_events' ),
				'permission_callback' => '__return_true', // The token is the credential; checked by the intake.
			)
		);
	}

	public static function shape( array $k ) {
		return array(
			'id'         => (int) $k['id'],
			'lead_id'    => null === $k['lead_id'] ? null : (int) $k['lead_id'],
			'agent_id'   => (int) $k['agent_id'],
			'deal_id'    => null === $k['deal_id'] ? null : (int) $k['deal_id'],
			'status'     => $k['status'],
			'expires_at' => $k['expires_at'],
			'opens'      => (int) $k['opens'],
			'listings'   => array_map(
				static function ( $l ) {
					return array(
						'ContactListingsKey'       => $l['contact_listings_key'],
						'ListingKey'               => $l['listing_key'],
						'ContactListingPreference' => $l['contact_listing_preference'],
						'ListingViewedYN'          => (bool) $l['listing_viewed_yn'],
					);
				},
				$k['listings']
			),
		);
	}

	/** Public: the client's events, passed to the sidecar's intake with the token and IP. */
	public static function public_events( $request ) {
		$body = $request->get_json_params();
		if ( ! is_array( $body ) || ! isset( $body['events'] ) ) {
			return new WP_Error( 'senw_crm_invalid', __( 'Send {"events": [...]}.', 'senw-crm' ), array( 'status' => 400 ) );
		}
		$res = SENW_CRM_Sidecar::signed_request(
			'POST',
			'/internal/events',
			array(
				'token'  => (string) $request['token'],
				'ip'     => SENW_CRM_Db::remote_addr(),
				'events' => $body['events'],
			),
			5.0
		);
		if ( is_wp_error( $res ) ) {
			return new WP_Error( 'senw_crm_unavailable', __( 'Please try again in a moment.', 'senw-crm' ), array( 'status' => 503 ) );
		}
		$response = new WP_REST_Response( $res['json'], $res['status'] );
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}

	// -- the public page -------------------------------------------------------------

	/** The live link a token names, or null (unknown, revoked, expired). */
	public static function live_link( $token ) {
		global $wpdb;
		if ( ! is_string( $token ) || ! preg_match( '/^[a-f0-9]{64}$/', $token ) ) {
			return null;
		}
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM `' . SENW_CRM_Db::t( 'listing_links' ) . '` WHERE token_hash = %s', hash( 'sha256', $token ) ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		if ( ! $row || ! hash_equals( $row['token_hash'], hash( 'sha256', $token ) ) ) {
			return null;
		}
		if ( null !== $row['revoked_at'] || strtotime( $row['expires_at'] . ' UTC' ) <= time() ) {
			return false;
		}
		return $row;
	}

	public static function public_page() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- the token is the credential.
		if ( ! isset( $_GET[ self::QUERY_VAR ] ) ) {
			return;
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended
		$token = sanitize_text_field( wp_unslash( (string) $_GET[ self::QUERY_VAR ] ) ); // exactly as issued: no case folding
		$link  = self::live_link( $token );
		nocache_headers();
		header( 'X-Robots-Tag: noindex, nofollow' );
		header( 'Referrer-Policy: no-referrer' );
		if ( ! $link ) {
			status_header( false === $link ? 410 : 404 );
			echo SENW_CRM_Lead_Form::template( 'share-unavailable', array( 'expired' => false === $link ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			exit;
		}
		// The client came through their agent's personal link: this device is
		// theirs to recognise on later visits (SENW_CRM_Visitor).
		SENW_CRM_Visitor::remember_person( (int) $link['person_id'] );
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'UPDATE `' . SENW_CRM_Db::t( 'listing_links' ) . '` SET opens = opens + 1, last_opened_at = %s WHERE id = %d', SENW_CRM_Db::now(), (int) $link['id'] ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$cards = array();
		$rows  = $wpdb->get_results( $wpdb->prepare( 'SELECT listing_key, contact_listing_preference FROM `' . SENW_CRM_Db::t( 'contact_listings' ) . '` WHERE link_id = %d ORDER BY position, id', (int) $link['id'] ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		foreach ( $rows as $cl ) {
			$p = SENW_CRM_Properties::find( $cl['listing_key'], true );
			if ( ! $p ) {
				continue;
			}
			$cards[] = array(
				'key'     => $p['ListingKey'],
				'address' => SENW_CRM_Properties::public_address( $p ),
				'price'   => null === $p['ListPrice'] ? '' : '$' . number_format_i18n( (float) $p['ListPrice'] ),
				'facts'   => SENW_CRM_Properties::facts( $p ),
				'remarks' => isset( $p['PublicRemarks'] ) ? (string) $p['PublicRemarks'] : '',
				'photos'  => array_slice( wp_list_pluck( SENW_CRM_Properties::photos( $p['ListingKey'] ), 'MediaURL' ), 0, 12 ),
				'pref'    => $cl['contact_listing_preference'],
			);
		}
		$agent = get_userdata( (int) $link['agent_id'] );
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'share-page',
			array(
				'cards'     => $cards,
				'agent'     => $agent ? $agent->display_name : '',
				'brokerage' => SENW_CRM_Settings::brokerage_name(),
				'endpoint'  => rest_url( 'senw-crm/v1/share/' . $token . '/events' ),
				'script'    => plugins_url( 'assets/share.js', SENW_CRM_FILE ) . '?ver=' . SENW_CRM_VERSION,
				'style'     => plugins_url( 'assets/share.css', SENW_CRM_FILE ) . '?ver=' . SENW_CRM_VERSION,
			)
		);
		exit;
	}
}
