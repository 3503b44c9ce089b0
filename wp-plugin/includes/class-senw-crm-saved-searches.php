<?php
/**
 * Saved searches and listing alerts (RESO SavedSearch and Prospecting), the
 * plugin's part: a visitor saves the current public search (email, how often,
 * consent) from the listing search; an agent saves searches for a lead from
 * the lead page; anyone unsubscribes with one click (?senw_unsubscribe=TOKEN:
 * a GET shows a button, a POST, including RFC 8058's one-click POST,
 * unsubscribes). Matching and sending run in the sidecar after each MLS sync.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Saved_Searches {

	const PUBLIC_ACTION = 'senw_crm_save_search';
	const LEAD_ACTION   = 'senw_crm_lead_saved_search';
	const STOP_ACTION   = 'senw_crm_lead_saved_search_stop';
	const SCHEDULES     = array( 'instant', 'daily', 'weekly' );

	public static function register() {
		add_action( 'admin_post_nopriv_' . self::PUBLIC_ACTION, array( __CLASS__, 'handle_public' ) );
		add_action( 'admin_post_' . self::PUBLIC_ACTION, array( __CLASS__, 'handle_public' ) );
		add_action( 'admin_post_' . self::LEAD_ACTION, array( __CLASS__, 'handle_lead' ) );
		add_action( 'admin_post_' . self::STOP_ACTION, array( __CLASS__, 'handle_stop' ) );
		add_action( 'template_redirect', array( __CLASS__, 'unsubscribe' ), 1 );
		add_action( 'senw_crm_lead_page_main', array( __CLASS__, 'lead_box' ), 20, 2 );
	}

	public static function schedule_labels() {
		return array(
			'instant' => __( 'Right away', 'senw-crm' ),
			'daily'   => __( 'Daily', 'senw-crm' ),
			'weekly'  => __( 'Weekly', 'senw-crm' ),
		);
	}

	/** The consent text of the public "Save this search" form (stored verbatim). */
	public static function consent_text() {
		/* translators: %s: brokerage name */
		return sprintf( __( 'Email me listings that match this search, new ones and price drops, from %s. I can unsubscribe with one click in any alert.', 'senw-crm' ), SENW_CRM_Settings::brokerage_name() );
	}

	/** The filters of a search as saved (only parsed, known filter values). */
	public static function query_from( array $raw ) {
		list( $filters ) = SENW_CRM_Properties::parse_filters( $raw, false );
		unset( $filters['show_removed'], $filters['mls_id'] );
		return $filters;
	}

	/** "Quillmont · $300,000–$700,000 · 3+ bd" for a saved query. */
	public static function summary( array $q ) {
		$bits = array();
		foreach ( array( 'property_type', 'status', 'city', 'postal_code' ) as $k ) {
			if ( isset( $q[ $k ] ) ) {
				$bits[] = (string) $q[ $k ];
			}
		}
		if ( isset( $q['min_price'] ) || isset( $q['max_price'] ) ) {
			$bits[] = ( isset( $q['min_price'] ) ? '$' . number_format_i18n( (float) $q['min_price'] ) : '' ) . '–' . ( isset( $q['max_price'] ) ? '$' . number_format_i18n( (float) $q['max_price'] ) : '' );
		}
		if ( isset( $q['min_beds'] ) ) {
			/* translators: %d: bedrooms */
			$bits[] = sprintf( __( '%d+ bd', 'senw-crm' ), (int) $q['min_beds'] );
		}
		if ( isset( $q['min_baths'] ) ) {
			/* translators: %d: bathrooms */
			$bits[] = sprintf( __( '%d+ ba', 'senw-crm' ), (int) $q['min_baths'] );
		}
		if ( isset( $q['keyword'] ) ) {
			$bits[] = '“' . $q['keyword'] . '”';
		}
		return $bits ? implode( ' · ', $bits ) : __( 'All listings', 'senw-crm' );
	}

	/**
	 * Stores a saved search and its recipient in one transaction.
	 *
	 * @param array $q    Parsed filters.
	 * @param array $who  email, schedule, person_id, lead_id, user_id, consent_text (visitor's own), ip.
	 * @return int Prospecting id, 0 on failure.
	 */
	public static function create( array $q, array $who ) {
		global $wpdb;
		$cols = array(
			'saved_search_key'   => wp_generate_uuid4(),
			'search_query'       => wp_json_encode( (object) $q ),
			'created_by_user_id' => ! empty( $who['user_id'] ) ? (int) $who['user_id'] : null,
		);
		foreach ( array_keys( SENW_CRM_Properties::filters() ) as $name ) {
			$cols[ $name ] = isset( $q[ $name ] ) ? $q[ $name ] : null;
		}
		SENW_CRM_Db::begin();
		try {
			SENW_CRM_Db::check( $wpdb->insert( SENW_CRM_Db::t( 'saved_searches' ), $cols ) );
			$search_id = (int) $wpdb->insert_id;
			$consent   = isset( $who['consent_text'] ) ? (string) $who['consent_text'] : '';
			SENW_CRM_Db::check(
				$wpdb->insert(
					SENW_CRM_Db::t( 'prospecting' ),
					array(
						'prospecting_key'   => wp_generate_uuid4(),
						'saved_search_id'   => $search_id,
						'email'             => (string) $who['email'],
						'person_id'         => ! empty( $who['person_id'] ) ? (int) $who['person_id'] : null,
						'lead_id'           => ! empty( $who['lead_id'] ) ? (int) $who['lead_id'] : null,
						'schedule_type'     => in_array( $who['schedule'], self::SCHEDULES, true ) ? $who['schedule'] : 'daily',
						'unsubscribe_token' => bin2hex( random_bytes( 32 ) ),
						'consent_text'      => '' === $consent ? null : $consent,
						'consent_at'        => '' === $consent ? null : SENW_CRM_Db::now(),
						'consent_ip'        => isset( $who['ip'] ) ? (string) $who['ip'] : '',
						'created_at'        => SENW_CRM_Db::now(),
					)
				)
			);
			$pid = (int) $wpdb->insert_id;
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
		} catch ( RuntimeException $e ) {
			SENW_CRM_Db::rollback();
			return 0;
		}
		SENW_CRM_Audit::log( 'create', 'saved_search', $pid, array( 'saved_search_id' => $search_id, 'lead_id' => isset( $who['lead_id'] ) ? (int) $who['lead_id'] : null ), ! empty( $who['user_id'] ) ? (int) $who['user_id'] : 0 );
		return $pid;
	}

	/** The person (and their open lead) who owns an email, if any. */
	private static function person_for_email( $email ) {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT e.person_id, (SELECT l.id FROM `' . SENW_CRM_Db::t( 'leads' ) . "` l WHERE l.person_id = e.person_id ORDER BY l.created_at DESC LIMIT 1) AS lead_id FROM `" . SENW_CRM_Db::t( 'person_emails' ) . '` e WHERE e.email = %s', $email ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table names from prefix.
		return $row ? $row : array( 'person_id' => null, 'lead_id' => null );
	}

	private static function back( $url, $arg, $code ) {
		wp_safe_redirect( add_query_arg( $arg, $code, $url ) . '#senw-save-search' );
		exit;
	}

	/** admin-post.php?action=senw_crm_save_search: nonce, honeypot, rate limit, then store. */
	public static function handle_public() {
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- verified right below.
		$post = wp_unslash( $_POST );
		// phpcs:enable
		$raw  = array();
		$bad  = array();
		foreach ( array_keys( SENW_CRM_Properties::filters() ) as $name ) {
			if ( isset( $post[ $name ] ) && is_string( $post[ $name ] ) ) {
				$raw[ $name ] = sanitize_text_field( $post[ $name ] );
			} elseif ( isset( $post[ $name ] ) ) {
				$bad[] = $name;
			}
		}
		// Every field of this form is one string; an array or object is refused, not cast.
		foreach ( array( 'senw_nonce', 'senw_website', 'email', 'schedule', 'consent' ) as $name ) {
			if ( isset( $post[ $name ] ) && ! is_string( $post[ $name ] ) ) {
				$bad[] = $name;
			}
		}
		$back = add_query_arg( array_map( 'rawurlencode', array_filter( $raw, 'strlen' ) ), SENW_CRM_Listing_Search::search_url() );
		if ( $bad ) {
			self::back( $back, 'senw_save_error', in_array( 'email', $bad, true ) ? 'email' : 'invalid' );
		}
		if ( ! isset( $post['senw_nonce'] ) || ! wp_verify_nonce( $post['senw_nonce'], self::PUBLIC_ACTION ) ) {
			self::back( $back, 'senw_save_error', 'expired' );
		}
		if ( ! empty( $post['senw_website'] ) ) {
			self::back( $back, 'senw_saved', '1' ); // A bot filled the honeypot: say yes, store nothing.
		}
		$limit = SENW_CRM_Rate_Limit::hit_client( 'savesearch', SENW_CRM_REST_Capture_Controller::rate_limit(), SENW_CRM_REST_Capture_Controller::rate_window() );
		if ( ! $limit['allowed'] ) {
			self::back( $back, 'senw_save_error', 'busy' );
		}
		$email    = isset( $post['email'] ) ? strtolower( trim( sanitize_email( $post['email'] ) ) ) : '';
		$schedule = isset( $post['schedule'] ) ? sanitize_key( $post['schedule'] ) : '';
		if ( ! is_email( $email ) ) {
			self::back( $back, 'senw_save_error', 'email' );
		}
		if ( empty( $post['consent'] ) ) {
			self::back( $back, 'senw_save_error', 'consent' );
		}
		$who = self::person_for_email( $email );
		$pid = self::create(
			self::query_from( $raw ),
			array(
				'email'        => $email,
				'schedule'     => $schedule,
				'person_id'    => $who['person_id'],
				'lead_id'      => $who['lead_id'],
				'consent_text' => self::consent_text(),
				'ip'           => SENW_CRM_Client_Ip::get(),
			)
		);
		self::back( $back, $pid ? 'senw_saved' : 'senw_save_error', $pid ? '1' : 'failed' );
	}

	public static function public_messages() {
		return array(
			'expired' => __( 'The form expired. Please try again.', 'senw-crm' ),
			'busy'    => __( 'Too many requests from your network. Please wait a minute and try again.', 'senw-crm' ),
			'email'   => __( 'Enter a valid email address.', 'senw-crm' ),
			'consent' => __( 'Tick the box to receive alerts by email.', 'senw-crm' ),
			'failed'  => __( 'The search could not be saved. Please try again.', 'senw-crm' ),
			'invalid' => __( 'Each field takes one value. Please use the form to save your search.', 'senw-crm' ),
		);
	}

	/** Saved searches of a lead (its recipient rows), newest first. */
	public static function for_lead( $lead_id ) {
		global $wpdb;
		return $wpdb->get_results( $wpdb->prepare( 'SELECT p.id, p.email, p.schedule_type, p.active_yn, p.last_sent_at, p.created_at, s.search_query FROM `' . SENW_CRM_Db::t( 'prospecting' ) . '` p JOIN `' . SENW_CRM_Db::t( 'saved_searches' ) . '` s ON s.id = p.saved_search_id WHERE p.lead_id = %d ORDER BY p.id DESC LIMIT 50', (int) $lead_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table names from prefix.
	}

	/** The lead page's "Saved searches" box (senw_crm_lead_page_main). */
	public static function lead_box( $lead, $can_edit ) {
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-lead-saved-searches',
			array(
				'lead'     => $lead,
				'can_edit' => $can_edit,
				'searches' => self::for_lead( (int) $lead['id'] ),
				'filters'  => SENW_CRM_Properties::filters(),
				'types'    => SENW_CRM_Properties::TYPES,
				'post_url' => admin_url( 'admin-post.php' ),
			)
		);
	}

	private static function authorize_lead( $action ) {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- the nonce embeds this id and is checked next.
		$lead_id = isset( $_POST['lead'] ) && is_scalar( $_POST['lead'] ) ? absint( $_POST['lead'] ) : 0;
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'senw-crm' ), 403 );
		}
		check_admin_referer( $action . '_' . $lead_id );
		if ( ! SENW_CRM_Visibility::can_edit_lead( get_current_user_id(), $lead_id ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'senw-crm' ), 403 );
		}
		return $lead_id;
	}

	/** admin-post.php?action=senw_crm_lead_saved_search: a saved search for the lead's email. */
	public static function handle_lead() {
		$lead_id = self::authorize_lead( self::LEAD_ACTION );
		$lead    = SENW_CRM_Leads::get( $lead_id, get_current_user_id() );
		$url     = SENW_CRM_Admin::lead_url( $lead_id );
		if ( ! $lead || '' === (string) $lead['primary_email'] ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'search_no_email', $url ) );
			exit;
		}
		$raw = array();
		foreach ( array_keys( SENW_CRM_Properties::filters() ) as $name ) {
			// phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in authorize_lead().
			if ( isset( $_POST[ $name ] ) && is_string( $_POST[ $name ] ) ) {
				$raw[ $name ] = sanitize_text_field( wp_unslash( $_POST[ $name ] ) ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
			}
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in authorize_lead().
		$schedule = isset( $_POST['schedule'] ) ? sanitize_key( wp_unslash( $_POST['schedule'] ) ) : 'daily';
		$pid      = self::create(
			self::query_from( $raw ),
			array(
				'email'     => $lead['primary_email'],
				'schedule'  => $schedule,
				'person_id' => (int) $lead['person_id'],
				'lead_id'   => $lead_id,
				'user_id'   => get_current_user_id(),
			)
		);
		if ( $pid ) {
			SENW_CRM_Timeline::add_activity( $lead_id, (int) $lead['person_id'], get_current_user_id(), 'system', sprintf( /* translators: 1: search summary, 2: schedule */ __( 'Saved search created: %1$s (%2$s alerts).', 'senw-crm' ), self::summary( self::query_from( $raw ) ), self::schedule_labels()[ in_array( $schedule, self::SCHEDULES, true ) ? $schedule : 'daily' ] ), array( 'prospecting_id' => $pid ) );
		}
		wp_safe_redirect( add_query_arg( $pid ? 'senw_notice' : 'senw_error', $pid ? 'search_saved' : 'save_failed', $url ) );
		exit;
	}

	public static function handle_stop() {
		global $wpdb;
		$lead_id = self::authorize_lead( self::STOP_ACTION );
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in authorize_lead().
		$pid = isset( $_POST['prospecting'] ) && is_scalar( $_POST['prospecting'] ) ? absint( $_POST['prospecting'] ) : 0;
		$wpdb->update( SENW_CRM_Db::t( 'prospecting' ), array( 'active_yn' => 0 ), array( 'id' => $pid, 'lead_id' => $lead_id ), array( '%d' ), array( '%d', '%d' ) );
		SENW_CRM_Audit::log( 'stop', 'saved_search', $pid, array( 'lead_id' => $lead_id ) );
		wp_safe_redirect( add_query_arg( 'senw_notice', 'search_stopped', SENW_CRM_Admin::lead_url( $lead_id ) ) );
		exit;
	}

	/** ?senw_unsubscribe=TOKEN: GET asks, POST (a person or a mail client's one-click) unsubscribes. */
	public static function unsubscribe() {
		global $wpdb;
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- the token is the secret.
		$token = isset( $_GET['senw_unsubscribe'] ) && is_string( $_GET['senw_unsubscribe'] ) ? wp_unslash( $_GET['senw_unsubscribe'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- matched exactly below.
		if ( '' === $token ) {
			return;
		}
		$table = SENW_CRM_Db::t( 'prospecting' );
		// Exactly the token as issued: nothing stripped or folded (the column's
		// collation would match an upper-case copy).
		$row   = preg_match( '/^[a-f0-9]{64}$/D', $token ) ? $wpdb->get_row( $wpdb->prepare( "SELECT id, active_yn FROM `{$table}` WHERE unsubscribe_token = %s", $token ), ARRAY_A ) : null; // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		nocache_headers();
		header( 'X-Robots-Tag: noindex' );
		if ( ! $row ) {
			wp_die( esc_html__( 'This unsubscribe link is not valid.', 'senw-crm' ), esc_html__( 'Unsubscribe', 'senw-crm' ), array( 'response' => 404 ) );
		}
		$method = isset( $_SERVER['REQUEST_METHOD'] ) ? strtoupper( sanitize_key( wp_unslash( $_SERVER['REQUEST_METHOD'] ) ) ) : 'GET';
		if ( 'POST' === $method ) {
			if ( (int) $row['active_yn'] ) {
				$wpdb->update( $table, array( 'active_yn' => 0, 'unsubscribed_at' => SENW_CRM_Db::now() ), array( 'id' => (int) $row['id'] ), array( '%d', '%s' ), array( '%d' ) );
				SENW_CRM_Audit::log( 'unsubscribe', 'saved_search', (int) $row['id'], array(), 0 );
			}
			wp_die( '<h1>' . esc_html__( 'You are unsubscribed', 'senw-crm' ) . '</h1><p>' . esc_html__( 'You will receive no more alerts for this saved search.', 'senw-crm' ) . '</p>', esc_html__( 'Unsubscribed', 'senw-crm' ), array( 'response' => 200 ) );
		}
		$form = '<h1>' . esc_html__( 'Stop these listing alerts?', 'senw-crm' ) . '</h1><form method="post"><p><button type="submit" class="button" id="senw-unsubscribe">' . esc_html__( 'Unsubscribe', 'senw-crm' ) . '</button></p></form>';
		wp_die( $form, esc_html__( 'Unsubscribe', 'senw-crm' ), array( 'response' => 200 ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- built from escaped parts.
	}
}
