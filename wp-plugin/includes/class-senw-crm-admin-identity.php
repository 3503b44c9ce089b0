<?php
/**
 * Who is who, decided by people: CRM > Possible duplicates (pairs the CRM found,
 * side by side; merge choosing each field, or "not the same person"; recent
 * merges with Undo) and, on the lead page, the changes a visitor's submission
 * proposed for a known person (accept or dismiss). Managers and admins see
 * every pair; other CRM users the pairs whose two people are both in their
 * edit scope; pairs an agent's entry made with someone outside their scope
 * (review) only managers and admins.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Identity {

	const SLUG     = 'senw-crm-duplicates';
	const MERGE    = 'senw_crm_merge_people';
	const DISMISS  = 'senw_crm_dismiss_duplicate';
	const UNDO     = 'senw_crm_undo_merge';
	const PROPOSAL = 'senw_crm_proposal';

	public static function register() {
		add_action( 'senw_crm_lead_page_main', array( __CLASS__, 'lead_box' ), 5, 2 );
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 15 );
		add_action( 'admin_post_' . self::MERGE, array( __CLASS__, 'handle_merge' ) );
		add_action( 'admin_post_' . self::DISMISS, array( __CLASS__, 'handle_dismiss' ) );
		add_action( 'admin_post_' . self::UNDO, array( __CLASS__, 'handle_undo' ) );
		add_action( 'admin_post_' . self::PROPOSAL, array( __CLASS__, 'handle_proposal' ) );
	}

	public static function menu() {
		$hook = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Possible duplicates', 'senw-crm' ), __( 'Possible duplicates', 'senw-crm' ), 'senw_edit_leads', self::SLUG, array( __CLASS__, 'render' ) );
		add_action( 'load-' . $hook, array( __CLASS__, 'load' ) );
		add_action(
			'admin_print_styles-' . $hook,
			static function () {
				wp_enqueue_style( 'senw-crm-admin', plugins_url( 'assets/admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
			}
		);
	}

	public static function url( array $args = array() ) {
		return add_query_arg( $args, admin_url( 'admin.php?page=' . self::SLUG ) );
	}

	/**
	 * Open pairs the user may decide on, newest first.
	 *
	 * @return array[]
	 */
	public static function candidates( $user_id, $limit = 100 ) {
		global $wpdb;
		$c      = SENW_CRM_Db::t( 'duplicate_candidates' );
		$people = SENW_CRM_Db::t( 'people' );
		$a      = SENW_CRM_Person_Scope::sql( $user_id, 'c.person_a', 'edit' );
		$b      = SENW_CRM_Person_Scope::sql( $user_id, 'c.person_b', 'edit' );
		if ( '0=1' === $a['sql'] ) {
			return array();
		}
		$review = user_can( $user_id, 'senw_edit_all_leads' ) ? '' : ' AND c.review = 0';
		$sql    = "SELECT c.id, c.person_a, c.person_b, c.reasons, c.review, c.created_at, pa.first_name AS a_first, pa.last_name AS a_last, pb.first_name AS b_first, pb.last_name AS b_last FROM `{$c}` c JOIN `{$people}` pa ON pa.id = c.person_a AND pa.merged_into IS NULL JOIN `{$people}` pb ON pb.id = c.person_b AND pb.merged_into IS NULL WHERE c.status = 'open'{$review} AND {$a['sql']} AND {$b['sql']} ORDER BY c.created_at DESC, c.id DESC LIMIT %d";
		return $wpdb->get_results( SENW_CRM_Db::prepare( $sql, array_merge( $a['args'], $b['args'], array( (int) $limit ) ) ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
	}

	/** One open pair the user may decide on, or null. */
	public static function candidate( $user_id, $candidate_id ) {
		foreach ( self::candidates( $user_id, 1000 ) as $row ) {
			if ( (int) $row['id'] === (int) $candidate_id ) {
				return $row;
			}
		}
		return null;
	}

	/** Recent merges the user made (all of them for managers and admins). */
	public static function merges( $user_id, $limit = 20 ) {
		global $wpdb;
		$m      = SENW_CRM_Db::t( 'merges' );
		$people = SENW_CRM_Db::t( 'people' );
		$mine   = user_can( $user_id, 'senw_edit_all_leads' ) ? '1=1' : $wpdb->prepare( 'm.merged_by = %d', $user_id );
		return $wpdb->get_results( $wpdb->prepare( "SELECT m.id, m.survivor_id, m.merged_id, m.merged_at, m.undone_at, u.display_name AS merged_by_name, TRIM(CONCAT(s.first_name, ' ', s.last_name)) AS survivor_name FROM `{$m}` m JOIN `{$people}` s ON s.id = m.survivor_id LEFT JOIN {$wpdb->users} u ON u.ID = m.merged_by WHERE {$mine} ORDER BY m.id DESC LIMIT %d", $limit ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix, $mine prepared above.
	}

	/** Authorizes a pair before any output, so that a refusal is a clean 403. */
	public static function load() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		$pair_id = isset( $_GET['pair'] ) && is_scalar( $_GET['pair'] ) ? absint( $_GET['pair'] ) : 0;
		if ( $pair_id && ! self::candidate( get_current_user_id(), $pair_id ) ) {
			wp_die( esc_html__( 'This pair does not exist, was decided on, or is not yours to decide.', 'senw-crm' ), esc_html__( 'Not available', 'senw-crm' ), array( 'response' => 403, 'back_link' => true ) );
		}
	}

	public static function render() {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to see this page.', 'senw-crm' ), 403 );
		}
		$user_id = get_current_user_id();
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		$pair_id = isset( $_GET['pair'] ) && is_scalar( $_GET['pair'] ) ? absint( $_GET['pair'] ) : 0;
		$notices = self::notices();
		if ( $pair_id ) {
			$pair = self::candidate( $user_id, $pair_id );
			if ( ! $pair ) {
				wp_die( esc_html__( 'This pair does not exist, was decided on, or is not yours to decide.', 'senw-crm' ), 403 );
			}
			$a = SENW_CRM_Merge::person_card( (int) $pair['person_a'] );
			$b = SENW_CRM_Merge::person_card( (int) $pair['person_b'] );
			SENW_CRM_Audit::log( 'view', 'duplicate_pair', (int) $pair_id, array(), $user_id );
			echo SENW_CRM_Lead_Form::template( 'admin-duplicate-review', compact( 'pair', 'a', 'b', 'notices' ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			return;
		}
		$pairs  = self::candidates( $user_id );
		$merges = self::merges( $user_id );
		echo SENW_CRM_Lead_Form::template( 'admin-duplicates', compact( 'pairs', 'merges', 'notices' ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
	}

	/** The lead page's box: what a submission proposed for this person. */
	public static function lead_box( $lead, $can_edit ) {
		$proposals = SENW_CRM_Proposals::open_for( (int) $lead['person_id'] );
		if ( ! $proposals ) {
			return;
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-lead-proposals',
			array(
				'lead'      => $lead,
				'proposals' => $proposals,
				'can_edit'  => $can_edit,
			)
		);
	}

	// -- handlers: capability -> nonce -> input -> record-level rule -> action --------------

	private static function forbid() {
		wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'senw-crm' ), esc_html__( 'Not allowed', 'senw-crm' ), array( 'response' => 403, 'back_link' => true ) );
	}

	private static function posted_int( $key ) {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- nonce checked by callers.
		return isset( $_POST[ $key ] ) && is_scalar( $_POST[ $key ] ) ? absint( $_POST[ $key ] ) : 0;
	}

	private static function posted_choice( $key, array $allowed ) {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing, WordPress.Security.ValidatedSanitizedInput -- nonce checked by callers; checked against $allowed.
		$value = isset( $_POST[ $key ] ) && is_string( $_POST[ $key ] ) ? sanitize_key( wp_unslash( $_POST[ $key ] ) ) : '';
		return in_array( $value, $allowed, true ) ? $value : $allowed[0];
	}

	private static function back( array $args ) {
		wp_safe_redirect( self::url( $args ) );
		exit;
	}

	public static function handle_merge() {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			self::forbid();
		}
		$pair_id = self::posted_int( 'pair' );
		check_admin_referer( self::MERGE . '_' . $pair_id );
		$actor = get_current_user_id();
		$pair  = self::candidate( $actor, $pair_id );
		if ( ! $pair ) {
			self::forbid();
		}
		$a        = (int) $pair['person_a'];
		$b        = (int) $pair['person_b'];
		$keep     = self::posted_choice( 'keep', array( 'a', 'b' ) );
		$survivor = 'a' === $keep ? $a : $b;
		$merged   = 'a' === $keep ? $b : $a;
		$choices  = array();
		foreach ( array( 'first_name', 'last_name' ) as $field ) {
			$side              = self::posted_choice( $field, array( 'a', 'b' ) );
			$choices[ $field ] = ( 'a' === $side ) === ( 'a' === $keep ) ? 'survivor' : 'merged';
		}
		$choices['primary_email'] = self::posted_int( 'primary_email' );
		$choices['primary_phone'] = self::posted_int( 'primary_phone' );
		$result                   = SENW_CRM_Merge::merge( $survivor, $merged, $choices, $actor, $pair_id );
		self::back( is_wp_error( $result ) ? array( 'senw_error' => 'merge_failed' ) : array( 'senw_notice' => 'merged' ) );
	}

	public static function handle_dismiss() {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			self::forbid();
		}
		$pair_id = self::posted_int( 'pair' );
		check_admin_referer( self::DISMISS . '_' . $pair_id );
		if ( ! self::candidate( get_current_user_id(), $pair_id ) ) {
			self::forbid();
		}
		$result = SENW_CRM_Merge::dismiss( $pair_id, get_current_user_id() );
		self::back( is_wp_error( $result ) ? array( 'senw_error' => 'save_failed' ) : array( 'senw_notice' => 'dismissed' ) );
	}

	public static function handle_undo() {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			self::forbid();
		}
		$merge_id = self::posted_int( 'merge' );
		check_admin_referer( self::UNDO . '_' . $merge_id );
		$result = SENW_CRM_Merge::undo( $merge_id, get_current_user_id() );
		if ( is_wp_error( $result ) && 403 === (int) $result->get_error_data()['status'] ) {
			self::forbid();
		}
		self::back( is_wp_error( $result ) ? array( 'senw_error' => 'undo_failed' ) : array( 'senw_notice' => 'undone' ) );
	}

	public static function handle_proposal() {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			self::forbid();
		}
		$proposal_id = self::posted_int( 'proposal' );
		$lead_id     = self::posted_int( 'lead' );
		check_admin_referer( self::PROPOSAL . '_' . $proposal_id );
		$decision = self::posted_choice( 'decision', array( 'dismiss', 'accept' ) );
		$result   = SENW_CRM_Proposals::decide( $proposal_id, $decision, get_current_user_id() );
		if ( is_wp_error( $result ) && 403 === (int) $result->get_error_data()['status'] ) {
			self::forbid();
		}
		$code = is_wp_error( $result ) ? array( 'senw_error', 'taken' === substr( $result->get_error_code(), -5 ) ? 'proposal_taken' : 'save_failed' ) : array( 'senw_notice', 'accept' === $decision ? 'proposal_accepted' : 'proposal_dismissed' );
		wp_safe_redirect( add_query_arg( $code[0], $code[1], SENW_CRM_Admin::lead_url( $lead_id ) ) );
		exit;
	}

	/** Notice code => message (added to the lead page's through the shared filter). */
	public static function messages() {
		return array(
			'merged'             => __( 'The two records are one person now. You can undo this below.', 'senw-crm' ),
			'undone'             => __( 'The merge was undone: the two records are separate again.', 'senw-crm' ),
			'dismissed'          => __( 'Marked as two different people.', 'senw-crm' ),
			'merge_failed'       => __( 'The merge could not be made (one of them changed meanwhile). Please try again.', 'senw-crm' ),
			'undo_failed'        => __( 'The merge could not be undone. Please try again.', 'senw-crm' ),
			'proposal_accepted'  => __( 'Change accepted.', 'senw-crm' ),
			'proposal_dismissed' => __( 'Change dismissed.', 'senw-crm' ),
			'proposal_taken'     => __( 'Another contact record holds this value now; see Possible duplicates.', 'senw-crm' ),
			'save_failed'        => __( 'The change could not be saved. Please try again.', 'senw-crm' ),
		);
	}

	private static function notices() {
		return SENW_CRM_Admin::notices(); // Its codes include messages() above.
	}
}
