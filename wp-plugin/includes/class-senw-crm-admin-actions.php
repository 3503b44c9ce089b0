<?php
/**
 * admin-post.php handlers for the CRM screens' forms. Each one: capability ->
 * nonce -> wp_unslash -> validate -> record-level check -> repository, then a
 * redirect carrying a notice code (never text) back to the screen.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Actions {

	const ADD_LEAD = 'senw_crm_add_lead';
	const NOTE     = 'senw_crm_lead_note';
	const STATUS   = 'senw_crm_lead_status';
	const ASSIGN   = 'senw_crm_lead_assign';

	public static function register() {
		foreach ( array(
			self::ADD_LEAD => 'add_lead',
			self::NOTE     => 'add_note',
			self::STATUS   => 'change_status',
			self::ASSIGN   => 'reassign',
		) as $action => $method ) {
			add_action( 'admin_post_' . $action, array( __CLASS__, $method ) );
		}
	}

	/** Notice code => message, for SENW_CRM_Admin::notices(). */
	public static function messages() {
		return array(
			'lead_added'     => __( 'Lead added.', 'senw-crm' ),
			'lead_merged'    => __( 'This person already had an open lead: your entry was added to its timeline.', 'senw-crm' ),
			'note_added'     => __( 'Note added.', 'senw-crm' ),
			'status_changed' => __( 'Lead updated.', 'senw-crm' ),
			'no_change'      => __( 'Nothing changed.', 'senw-crm' ),
			'reassigned'     => __( 'Lead reassigned.', 'senw-crm' ),
			'note_empty'     => __( 'Write something before adding a note.', 'senw-crm' ),
			'bad_status'     => __( 'Choose a valid status and temperature.', 'senw-crm' ),
			'bad_agent'      => __( 'You cannot assign this lead to that user.', 'senw-crm' ),
			'invalid'        => __( 'The lead was not added. Please correct the fields marked below.', 'senw-crm' ),
			'save_failed'    => __( 'The change could not be saved. Please try again.', 'senw-crm' ),
			'search_saved'   => __( 'Saved search created: the lead gets listing alerts for it.', 'senw-crm' ),
			'search_stopped' => __( 'Listing alerts stopped for that saved search.', 'senw-crm' ),
			'search_no_email' => __( 'The lead has no email address for listing alerts.', 'senw-crm' ),
		) + SENW_CRM_Admin_Identity::messages() + SENW_CRM_Compliance::messages() + SENW_CRM_Conversations::messages() + SENW_CRM_Campaigns::messages() + SENW_CRM_Lists::messages() + SENW_CRM_Bulk::messages() + SENW_CRM_Templates::messages() + SENW_CRM_Skip_Trace::messages();
	}

	private static function forbid() {
		wp_die(
			esc_html__( 'Sorry, you are not allowed to do that.', 'senw-crm' ),
			esc_html__( 'Not allowed', 'senw-crm' ),
			array(
				'response'  => 403,
				'back_link' => true,
			)
		);
	}

	/** The lead id posted with a lead-page form. */
	private static function posted_lead_id() {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- the caller checks the nonce, which embeds this id.
		return isset( $_POST['lead'] ) && is_scalar( $_POST['lead'] ) ? absint( $_POST['lead'] ) : 0;
	}

	/** One posted field, unslashed; '' when absent. */
	private static function posted( $key ) {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing, WordPress.Security.ValidatedSanitizedInput -- nonce checked by callers; validated by callers.
		return isset( $_POST[ $key ] ) && is_string( $_POST[ $key ] ) ? wp_unslash( $_POST[ $key ] ) : '';
	}

	private static function back_to_lead( $lead_id, $arg, $code ) {
		wp_safe_redirect( add_query_arg( $arg, $code, SENW_CRM_Admin::lead_url( $lead_id ) ) );
		exit;
	}

	/**
	 * Capability and nonce for a lead-page form, then the record-level edit
	 * rule. Returns the lead id. Boxes other classes add to the lead page use
	 * it for their forms too.
	 */
	public static function authorize_lead_form( $action, $capability = 'senw_edit_leads' ) {
		$lead_id = self::posted_lead_id();
		if ( ! current_user_can( $capability ) ) {
			self::forbid();
		}
		check_admin_referer( $action . '_' . $lead_id );
		if ( ! SENW_CRM_Visibility::can_edit_lead( get_current_user_id(), $lead_id ) ) {
			self::forbid();
		}
		return $lead_id;
	}

	public static function add_note() {
		$lead_id = self::authorize_lead_form( self::NOTE, 'senw_edit_leads' );
		$body    = SENW_CRM_Lead_Validator::multi_line( self::posted( 'note' ) );
		if ( null === $body || '' === $body ) {
			self::back_to_lead( $lead_id, 'senw_error', 'note_empty' );
		}
		$result = SENW_CRM_Leads::add_note( $lead_id, $body, get_current_user_id() );
		self::back_to_lead( $lead_id, is_wp_error( $result ) || false === $result ? 'senw_error' : 'senw_notice', is_wp_error( $result ) || false === $result ? 'save_failed' : 'note_added' );
	}

	public static function change_status() {
		$lead_id = self::authorize_lead_form( self::STATUS, 'senw_edit_leads' );
		list( $clean, $errors ) = SENW_CRM_Lead_Validator::validate(
			array(
				'status'      => self::posted( 'status' ),
				'temperature' => self::posted( 'temperature' ),
			),
			'admin',
			true
		);
		if ( ! empty( $errors ) || empty( $clean['status'] ) || empty( $clean['temperature'] ) ) {
			self::back_to_lead( $lead_id, 'senw_error', 'bad_status' );
		}
		$user_id = get_current_user_id();
		$lead    = SENW_CRM_Leads::get( $lead_id, $user_id );
		$changed = false;
		$failed  = false;
		if ( $lead['status'] !== $clean['status'] ) {
			$result  = SENW_CRM_Leads::set_status( $lead_id, $clean['status'], $user_id );
			$failed  = is_wp_error( $result ) || false === $result;
			$changed = true;
		}
		if ( ! $failed && $lead['temperature'] !== $clean['temperature'] ) {
			$result  = SENW_CRM_Leads::update( $lead_id, array( 'temperature' => $clean['temperature'] ), $user_id );
			$failed  = is_wp_error( $result ) || false === $result;
			$changed = true;
		}
		if ( $failed ) {
			self::back_to_lead( $lead_id, 'senw_error', 'save_failed' );
		}
		self::back_to_lead( $lead_id, 'senw_notice', $changed ? 'status_changed' : 'no_change' );
	}

	public static function reassign() {
		$lead_id  = self::authorize_lead_form( self::ASSIGN, 'senw_assign_leads' );
		$agent_id = absint( self::posted( 'agent_id' ) );
		$user_id  = get_current_user_id();
		if ( ! SENW_CRM_Visibility::can_assign_lead( $user_id, $lead_id ) ) {
			self::forbid();
		}
		if ( ! $agent_id || ! SENW_CRM_Visibility::can_assign_to( $user_id, $agent_id ) ) {
			self::back_to_lead( $lead_id, 'senw_error', 'bad_agent' );
		}
		$result = SENW_CRM_Leads::assign( $lead_id, $agent_id, $user_id );
		if ( is_wp_error( $result ) || false === $result ) {
			self::back_to_lead( $lead_id, 'senw_error', 'save_failed' );
		}
		// After handing the lead on, the user may no longer see it.
		if ( ! SENW_CRM_Visibility::can_view_lead( $user_id, $lead_id ) ) {
			wp_safe_redirect( add_query_arg( 'senw_notice', 'reassigned', admin_url( 'admin.php?page=' . SENW_CRM_Admin::MENU_SLUG ) ) );
			exit;
		}
		self::back_to_lead( $lead_id, 'senw_notice', 'reassigned' );
	}

	public static function add_lead() {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			self::forbid();
		}
		check_admin_referer( self::ADD_LEAD );
		$user_id = get_current_user_id();
		$input   = array();
		foreach ( array( 'first_name', 'last_name', 'email', 'phone', 'message', 'listing_key', 'source', 'status', 'temperature', 'agent_id' ) as $field ) {
			$input[ $field ] = self::posted( $field );
		}
		$can_assign = current_user_can( 'senw_assign_leads' );
		if ( ! $can_assign ) {
			// create() gives an agent's new lead to that agent.
			unset( $input['agent_id'] );
		}
		list( $clean, $errors ) = SENW_CRM_Lead_Validator::validate( $input, 'admin' );
		if ( $can_assign && ! empty( $clean['agent_id'] ) && ! SENW_CRM_Visibility::can_assign_to( $user_id, $clean['agent_id'] ) ) {
			$errors['agent_id'] = __( 'You cannot assign leads to this user.', 'senw-crm' );
		}
		$back = admin_url( 'admin.php?page=' . SENW_CRM_Admin::ADD_SLUG );
		if ( empty( $errors ) ) {
			$lead_id = SENW_CRM_Leads::create(
				$clean,
				$user_id,
				array(
					'ip'         => SENW_CRM_Client_Ip::get(),
					'source_url' => $back,
				)
			);
			if ( ! is_wp_error( $lead_id ) && $lead_id ) {
				$to     = SENW_CRM_Visibility::can_view_lead( $user_id, $lead_id ) ? SENW_CRM_Admin::lead_url( $lead_id ) : admin_url( 'admin.php?page=' . SENW_CRM_Admin::MENU_SLUG );
				$reused = ! empty( SENW_CRM_Leads::$last_create['reused'] );
				wp_safe_redirect( add_query_arg( 'senw_notice', $reused ? 'lead_merged' : 'lead_added', $to ) );
				exit;
			}
			$errors['_form'] = self::messages()['save_failed'];
		}
		self::keep_form( 'add_lead', $errors, $input );
		wp_safe_redirect( add_query_arg( 'senw_error', 'invalid', $back ) );
		exit;
	}

	/** Keeps a failed form's errors and values for this user's next page view (5 minutes). */
	private static function keep_form( $form, array $errors, array $values ) {
		set_transient( 'senw_crm_' . $form . '_' . get_current_user_id(), array( $errors, $values ), 5 * MINUTE_IN_SECONDS );
	}

	/** The kept errors and values of a form, read once. */
	public static function take_kept_form( $form ) {
		$key  = 'senw_crm_' . $form . '_' . get_current_user_id();
		$kept = get_transient( $key );
		if ( is_array( $kept ) && 2 === count( $kept ) ) {
			delete_transient( $key );
			return array(
				'errors' => (array) $kept[0],
				'values' => (array) $kept[1],
			);
		}
		return array(
			'errors' => array(),
			'values' => array(),
		);
	}
}
