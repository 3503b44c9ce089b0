<?php
/**
 * Keeps senw_agents (the sidecar's round-robin pool) in step with the users
 * holding the senw_agent role, and adds the agent's mobile phone and "paused"
 * switch to the user profile screen. Teams (senw_teams / senw_team_members)
 * are read by SENW_CRM_Visibility.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Agents {

	const PHONE_META = 'senw_mobile_phone';

	public static function register() {
		add_action( 'user_register', array( __CLASS__, 'sync' ) );
		add_action( 'profile_update', array( __CLASS__, 'sync' ) );
		add_action( 'set_user_role', array( __CLASS__, 'sync' ) );
		add_action( 'add_user_role', array( __CLASS__, 'sync' ) );
		add_action( 'remove_user_role', array( __CLASS__, 'sync' ) );
		add_action( 'delete_user', array( __CLASS__, 'forget' ), 10, 2 );
		add_action( 'show_user_profile', array( __CLASS__, 'profile_fields' ) );
		add_action( 'edit_user_profile', array( __CLASS__, 'profile_fields' ) );
		add_action( 'personal_options_update', array( __CLASS__, 'save_profile' ) );
		add_action( 'edit_user_profile_update', array( __CLASS__, 'save_profile' ) );
		add_action( 'user_profile_update_errors', array( __CLASS__, 'profile_errors' ), 10, 3 );
	}

	public static function is_agent( $user_id ) {
		$user = get_userdata( (int) $user_id );
		return $user && in_array( SENW_CRM_Roles::AGENT, (array) $user->roles, true );
	}

	/**
	 * Writes the user's senw_agents row: active when they hold the agent role
	 * (an ex-agent's row stays, inactive, so their history keeps its agent).
	 */
	public static function sync( $user_id ) {
		global $wpdb;
		$user_id = (int) $user_id;
		$user    = get_userdata( $user_id );
		$table   = SENW_CRM_Db::t( 'agents' );
		if ( ! $user ) {
			return;
		}
		$active = self::is_agent( $user_id ) ? 1 : 0;
		$exists = $wpdb->get_var( $wpdb->prepare( "SELECT 1 FROM `{$table}` WHERE user_id = %d", $user_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		if ( ! $exists && ! $active ) {
			return;
		}
		$phone = SENW_CRM_Lead_Validator::phone_e164( (string) get_user_meta( $user_id, self::PHONE_META, true ) );
		$wpdb->query(
			$wpdb->prepare(
				"INSERT INTO `{$table}` (user_id, active, mobile_phone, email) VALUES (%d, %d, %s, %s) ON DUPLICATE KEY UPDATE active = VALUES(active), mobile_phone = VALUES(mobile_phone), email = VALUES(email)", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
				$user_id,
				$active,
				null === $phone ? '' : $phone,
				substr( (string) $user->user_email, 0, 254 )
			)
		);
	}

	/** Brings every agent's row up to date (after install or a bulk import). */
	public static function sync_all() {
		global $wpdb;
		$ids   = get_users(
			array(
				'role__in' => array( SENW_CRM_Roles::AGENT ),
				'fields'   => 'ID',
			)
		);
		$table = SENW_CRM_Db::t( 'agents' );
		$ids   = array_unique( array_merge( array_map( 'intval', $ids ), array_map( 'intval', $wpdb->get_col( "SELECT user_id FROM `{$table}`" ) ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		foreach ( $ids as $id ) {
			self::sync( $id );
		}
	}

	/**
	 * A deleted user leaves the pool and their teams; their leads go to the
	 * user WordPress reassigns content to, else become unassigned (managers
	 * see those and hand them out).
	 */
	public static function forget( $user_id, $reassign = null ) {
		global $wpdb;
		$user_id  = (int) $user_id;
		$reassign = $reassign ? (int) $reassign : null;
		$wpdb->delete( SENW_CRM_Db::t( 'agents' ), array( 'user_id' => $user_id ), array( '%d' ) );
		$wpdb->delete( SENW_CRM_Db::t( 'team_members' ), array( 'user_id' => $user_id ), array( '%d' ) );
		$leads = SENW_CRM_Db::t( 'leads' );
		$moved = $wpdb->query( $wpdb->prepare( "UPDATE `{$leads}` SET agent_id = " . ( $reassign ? '%d' : 'NULL' ) . ' WHERE agent_id = %d', $reassign ? array( $reassign, $user_id ) : array( $user_id ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL -- table name from prefix, placeholders fixed.
		if ( $moved ) {
			SENW_CRM_Audit::log( 'reassign_all', 'agent', $user_id, array( 'to' => $reassign, 'leads' => (int) $moved ) );
		}
	}

	public static function set_paused( $user_id, $paused ) {
		global $wpdb;
		self::sync( $user_id );
		return false !== $wpdb->update( SENW_CRM_Db::t( 'agents' ), array( 'paused' => $paused ? 1 : 0 ), array( 'user_id' => (int) $user_id ), array( '%d' ), array( '%d' ) );
	}

	public static function is_paused( $user_id ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'agents' );
		return (bool) $wpdb->get_var( $wpdb->prepare( "SELECT paused FROM `{$table}` WHERE user_id = %d", (int) $user_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
	}

	/** The agent themself and managers may pause an agent's lead flow. */
	public static function can_pause( $editor_id, $agent_id ) {
		return ( (int) $editor_id === (int) $agent_id && user_can( $editor_id, 'senw_edit_leads' ) ) || user_can( $editor_id, 'senw_edit_all_leads' );
	}

	/*
	 * Teams.
	 */

	/**
	 * Creates (or finds, by name) a team led by $leader_id with these members.
	 *
	 * @return int Team id.
	 */
	public static function ensure_team( $name, $leader_id, array $member_ids ) {
		global $wpdb;
		$teams   = SENW_CRM_Db::t( 'teams' );
		$members = SENW_CRM_Db::t( 'team_members' );
		$team_id = (int) $wpdb->get_var( $wpdb->prepare( "SELECT id FROM `{$teams}` WHERE name = %s ORDER BY id LIMIT 1", $name ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		if ( ! $team_id ) {
			$wpdb->insert(
				$teams,
				array(
					'name'           => $name,
					'leader_user_id' => (int) $leader_id,
				),
				array( '%s', '%d' )
			);
			$team_id = (int) $wpdb->insert_id;
		} else {
			$wpdb->update( $teams, array( 'leader_user_id' => (int) $leader_id ), array( 'id' => $team_id ), array( '%d' ), array( '%d' ) );
		}
		foreach ( $member_ids as $uid ) {
			$wpdb->query( $wpdb->prepare( "INSERT IGNORE INTO `{$members}` (team_id, user_id) VALUES (%d, %d)", $team_id, (int) $uid ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		}
		SENW_CRM_Audit::log( 'team_update', 'team', $team_id, array( 'leader_user_id' => (int) $leader_id, 'members' => array_map( 'intval', $member_ids ) ) );
		return $team_id;
	}

	/*
	 * Profile screen.
	 */

	public static function profile_fields( $user ) {
		if ( ! self::is_agent( $user->ID ) || ! current_user_can( 'edit_user', $user->ID ) ) {
			return;
		}
		$phone      = (string) get_user_meta( $user->ID, self::PHONE_META, true );
		$can_pause  = self::can_pause( get_current_user_id(), $user->ID );
		$is_paused  = self::is_paused( $user->ID );
		?>
		<h2><?php esc_html_e( 'SENW CRM', 'senw-crm' ); ?></h2>
		<table class="form-table" role="presentation">
			<tr>
				<th><label for="senw_mobile_phone"><?php esc_html_e( 'Mobile phone (lead alerts by SMS)', 'senw-crm' ); ?></label></th>
				<td><input type="tel" name="senw_mobile_phone" id="senw_mobile_phone" value="<?php echo esc_attr( $phone ); ?>" class="regular-text" autocomplete="tel" />
				<p class="description"><?php esc_html_e( 'With country code, e.g. +1 503 555 0100.', 'senw-crm' ); ?></p></td>
			</tr>
			<?php if ( $can_pause ) : ?>
			<tr>
				<th><?php esc_html_e( 'New leads', 'senw-crm' ); ?></th>
				<td><label for="senw_paused"><input type="checkbox" name="senw_paused" id="senw_paused" value="1" <?php checked( $is_paused ); ?> /> <?php esc_html_e( 'Paused: skip this agent when assigning new leads', 'senw-crm' ); ?></label></td>
			</tr>
			<?php endif; ?>
		</table>
		<?php
	}

	/** Saves the fields; core has checked the profile form's nonce (update-user_<id>). */
	public static function save_profile( $user_id ) {
		if ( ! current_user_can( 'edit_user', $user_id ) || ! self::is_agent( $user_id ) ) {
			return;
		}
		if ( isset( $_POST['senw_mobile_phone'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification -- checked by core (user-edit.php).
			$raw = SENW_CRM_Lead_Validator::single_line( wp_unslash( $_POST['senw_mobile_phone'] ) ); // phpcs:ignore WordPress.Security.NonceVerification, WordPress.Security.ValidatedSanitizedInput -- validated here.
			if ( '' === $raw ) {
				delete_user_meta( $user_id, self::PHONE_META );
			} elseif ( null !== $raw && null !== SENW_CRM_Lead_Validator::phone_e164( $raw ) ) {
				update_user_meta( $user_id, self::PHONE_META, $raw );
			}
		}
		if ( self::can_pause( get_current_user_id(), $user_id ) ) {
			$paused = ! empty( $_POST['senw_paused'] ); // phpcs:ignore WordPress.Security.NonceVerification -- checked by core.
			if ( $paused !== self::is_paused( $user_id ) ) {
				self::set_paused( $user_id, $paused );
				SENW_CRM_Audit::log( $paused ? 'pause' : 'resume', 'agent', $user_id );
			}
		}
		self::sync( $user_id );
	}

	public static function profile_errors( $errors, $update, $user ) {
		if ( ! $update || empty( $user->ID ) || ! isset( $_POST['senw_mobile_phone'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification -- checked by core.
			return;
		}
		$raw = SENW_CRM_Lead_Validator::single_line( wp_unslash( $_POST['senw_mobile_phone'] ) ); // phpcs:ignore WordPress.Security.NonceVerification, WordPress.Security.ValidatedSanitizedInput -- validated here.
		if ( '' !== $raw && ( null === $raw || null === SENW_CRM_Lead_Validator::phone_e164( $raw ) ) ) {
			$errors->add( 'senw_mobile_phone', __( '<strong>Error:</strong> Enter the mobile phone as 7 to 20 digits, optionally starting with +.', 'senw-crm' ), array( 'form-field' => 'senw_mobile_phone' ) );
		}
	}
}
