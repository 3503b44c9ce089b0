<?php
/**
 * Keeps senw_agents (the sidecar's round-robin pool) in step with the users
 * holding the senw_agent role, and adds the agent's mobile phone and lead
 * routing availability (taking leads or paused, away until, capacity) to the
 * user profile screen. Teams (senw_teams / senw_team_members)
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
		?>
		<h2><?php esc_html_e( 'SENW CRM', 'senw-crm' ); ?></h2>
		<table class="form-table" role="presentation">
			<tr>
				<th><label for="senw_mobile_phone"><?php esc_html_e( 'Mobile phone (lead alerts by SMS)', 'senw-crm' ); ?></label></th>
				<td><input type="tel" name="senw_mobile_phone" id="senw_mobile_phone" value="<?php echo esc_attr( $phone ); ?>" class="regular-text" autocomplete="tel" />
				<p class="description"><?php esc_html_e( 'With country code, e.g. +1 503 555 0100.', 'senw-crm' ); ?></p></td>
			</tr>
		</table>
		<?php
		self::availability_fields( $user );
	}

	/** The agent's routing availability (as on CRM > Lead Routing), or null. */
	private static function availability( $user_id ) {
		foreach ( SENW_CRM_Routing::agents() as $row ) {
			if ( (int) $row['user_id'] === (int) $user_id ) {
				return $row;
			}
		}
		return null;
	}

	/**
	 * Lead routing availability on the profile: the agent takes new leads or
	 * pauses (themself too), and may be away until a date; the capacity is
	 * shown, and set here only by those who manage routing.
	 */
	private static function availability_fields( $user ) {
		$row = self::availability( $user->ID );
		if ( ! $row || ! self::can_pause( get_current_user_id(), $user->ID ) ) {
			return;
		}
		$paused   = (int) $row['paused'];
		$away     = $row['away_until'] ? get_date_from_gmt( $row['away_until'], 'Y-m-d' ) : '';
		$set_cap  = current_user_can( SENW_CRM_Routing::CAP );
		$capacity = null === $row['capacity'] ? __( 'No limit', 'senw-crm' ) : sprintf( /* translators: %s: number of open leads */ _n( '%s open lead', '%s open leads', (int) $row['capacity'], 'senw-crm' ), number_format_i18n( (int) $row['capacity'] ) );
		?>
		<h3 id="senw-routing-availability-title"><?php esc_html_e( 'Lead routing availability', 'senw-crm' ); ?></h3>
		<table class="form-table" role="presentation" id="senw-routing-availability">
			<tr>
				<th scope="row"><?php esc_html_e( 'New leads', 'senw-crm' ); ?></th>
				<td><fieldset><legend class="screen-reader-text"><?php esc_html_e( 'New leads', 'senw-crm' ); ?></legend>
					<label for="senw_availability_available"><input type="radio" name="senw_availability" id="senw_availability_available" value="available" <?php checked( 0, $paused ); ?>> <?php esc_html_e( 'Taking new leads', 'senw-crm' ); ?></label><br>
					<label for="senw_availability_paused"><input type="radio" name="senw_availability" id="senw_availability_paused" value="paused" <?php checked( 1, $paused ); ?>> <?php esc_html_e( 'Paused: routing skips me for new leads', 'senw-crm' ); ?></label>
				</fieldset></td>
			</tr>
			<tr>
				<th scope="row"><label for="senw_away_until"><?php esc_html_e( 'Away until', 'senw-crm' ); ?></label></th>
				<td><input type="date" name="senw_away_until" id="senw_away_until" value="<?php echo esc_attr( $away ); ?>">
				<p class="description"><?php esc_html_e( 'No new leads before this date; leave empty when you are in.', 'senw-crm' ); ?></p></td>
			</tr>
			<tr>
				<th scope="row"><?php echo $set_cap ? '<label for="senw_capacity">' . esc_html__( 'Capacity (open leads)', 'senw-crm' ) . '</label>' : esc_html__( 'Capacity', 'senw-crm' ); ?></th>
				<td>
					<?php if ( $set_cap ) : ?>
						<input type="number" min="0" class="small-text" name="senw_capacity" id="senw_capacity" value="<?php echo esc_attr( (string) $row['capacity'] ); ?>" placeholder="<?php esc_attr_e( 'no limit', 'senw-crm' ); ?>">
					<?php else : ?>
						<?php echo esc_html( $capacity ); ?>
					<?php endif; ?>
					<p class="description">
						<?php
						/* translators: %s: number of open leads */
						echo esc_html( sprintf( __( 'Open leads now: %s (new or contacted). Capacity is set on CRM > Lead Routing.', 'senw-crm' ), number_format_i18n( (int) $row['open_leads'] ) ) );
						?>
					</p>
				</td>
			</tr>
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
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- checked by core (user-edit.php).
		$row = isset( $_POST['senw_availability'] ) && self::can_pause( get_current_user_id(), $user_id ) ? self::availability( $user_id ) : null;
		if ( $row ) {
			$paused   = 'paused' === sanitize_key( wp_unslash( $_POST['senw_availability'] ) );
			$day      = isset( $_POST['senw_away_until'] ) ? sanitize_text_field( wp_unslash( $_POST['senw_away_until'] ) ) : '';
			$away     = preg_match( '/^\d{4}-\d{2}-\d{2}$/', $day ) ? get_gmt_from_date( $day . ' 00:00:00' ) : ( '' === $day ? null : $row['away_until'] );
			$capacity = null === $row['capacity'] ? null : (int) $row['capacity'];
			if ( current_user_can( SENW_CRM_Routing::CAP ) && isset( $_POST['senw_capacity'] ) ) {
				$cap      = trim( sanitize_text_field( wp_unslash( $_POST['senw_capacity'] ) ) );
				$capacity = '' === $cap ? null : absint( $cap );
			}
			$changed = (int) $paused !== (int) $row['paused'] || $capacity !== ( null === $row['capacity'] ? null : (int) $row['capacity'] )
				|| ( null === $away ? null : substr( $away, 0, 10 ) ) !== ( $row['away_until'] ? substr( (string) $row['away_until'], 0, 10 ) : null );
			if ( $changed ) {
				SENW_CRM_Routing::set_availability( $user_id, $capacity, $paused, $away );
			}
		}
		// phpcs:enable
		self::sync( $user_id );
	}

	public static function profile_errors( $errors, $update, $user ) {
		if ( ! $update || empty( $user->ID ) || ! isset( $_POST['senw_mobile_phone'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification -- checked by core.
			return;
		}
		$raw = SENW_CRM_Lead_Validator::single_line( wp_unslash( $_POST['senw_mobile_phone'] ) ); // phpcs:ignore WordPress.Security.NonceVerification, WordPress.Security.ValidatedSanitizedInput -- validated here.
		$day = isset( $_POST['senw_away_until'] ) ? sanitize_text_field( wp_unslash( $_POST['senw_away_until'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification -- checked by core.
		if ( '' !== $day && ! preg_match( '/^\d{4}-\d{2}-\d{2}$/', $day ) ) {
			$errors->add( 'senw_away_until', __( '<strong>Error:</strong> Enter the away-until date as a date (YYYY-MM-DD), or leave it empty.', 'senw-crm' ), array( 'form-field' => 'senw_away_until' ) );
		}
		if ( '' !== $raw && ( null === $raw || null === SENW_CRM_Lead_Validator::phone_e164( $raw ) ) ) {
			$errors->add( 'senw_mobile_phone', __( '<strong>Error:</strong> Enter the mobile phone as 7 to 20 digits, optionally starting with +.', 'senw-crm' ), array( 'form-field' => 'senw_mobile_phone' ) );
		}
	}
}
