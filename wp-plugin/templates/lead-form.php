<?php
/**
 * Public lead form. Variables: $form_id, $action, $title, $fields,
 * $listing_key, $source, $consent_text, $capture_nonce, $rest_nonce,
 * $form_context (signed source and listing), $submission_key,
 * $return_url, $result (state '', 'ok' or 'error'; errors; values).
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_errors = $result['errors'];
$senw_values = $result['values'];
?>
<div class="senw-lead-form-wrap" id="<?php echo esc_attr( $form_id ); ?>-wrap">
<?php if ( 'ok' === $result['state'] ) : ?>
	<div class="senw-lead-confirmation" role="status">
		<p><?php esc_html_e( 'Thank you! Your request has been received. An agent will contact you shortly.', 'senw-crm' ); ?></p>
	</div>
<?php else : ?>
	<form class="senw-lead-form" id="<?php echo esc_attr( $form_id ); ?>" method="post" action="<?php echo esc_url( $action ); ?>" novalidate>
		<h2 class="senw-lead-form-title"><?php echo esc_html( $title ); ?></h2>
		<div class="senw-form-error" role="alert" data-senw-error="_form"><?php echo isset( $senw_errors['_form'] ) ? esc_html( $senw_errors['_form'] ) : ''; ?></div>
		<?php
		foreach ( $fields as $senw_name => $senw_field ) :
			list( $senw_label, $senw_type, $senw_autocomplete, $senw_required ) = $senw_field;
			$senw_id    = $form_id . '-' . $senw_name;
			$senw_value = isset( $senw_values[ $senw_name ] ) ? (string) $senw_values[ $senw_name ] : '';
			$senw_error = isset( $senw_errors[ $senw_name ] ) ? (string) $senw_errors[ $senw_name ] : '';
			?>
			<p class="senw-field senw-field-<?php echo esc_attr( $senw_name ); ?><?php echo '' !== $senw_error ? ' senw-has-error' : ''; ?>">
				<label for="<?php echo esc_attr( $senw_id ); ?>"><?php echo esc_html( $senw_label ); ?><?php echo $senw_required ? ' <span class="senw-required" aria-hidden="true">*</span>' : ''; ?></label>
				<?php if ( 'textarea' === $senw_type ) : ?>
					<textarea id="<?php echo esc_attr( $senw_id ); ?>" name="<?php echo esc_attr( $senw_name ); ?>" rows="4" aria-describedby="<?php echo esc_attr( $senw_id ); ?>-error"><?php echo esc_textarea( $senw_value ); ?></textarea>
				<?php else : ?>
					<input id="<?php echo esc_attr( $senw_id ); ?>" type="<?php echo esc_attr( $senw_type ); ?>" name="<?php echo esc_attr( $senw_name ); ?>" value="<?php echo esc_attr( $senw_value ); ?>" autocomplete="<?php echo esc_attr( $senw_autocomplete ); ?>" aria-describedby="<?php echo esc_attr( $senw_id ); ?>-error"<?php echo $senw_required ? ' aria-required="true"' : ''; ?><?php echo '' !== $senw_error ? ' aria-invalid="true"' : ''; ?>>
				<?php endif; ?>
				<span class="senw-field-error" id="<?php echo esc_attr( $senw_id ); ?>-error" data-senw-error="<?php echo esc_attr( $senw_name ); ?>"><?php echo esc_html( $senw_error ); ?></span>
			</p>
		<?php endforeach; ?>

		<input type="hidden" name="<?php echo esc_attr( SENW_CRM_Lead_Form::CONTEXT_FIELD ); ?>" value="<?php echo esc_attr( $form_context ); ?>">
		<input type="hidden" name="<?php echo esc_attr( SENW_CRM_Lead_Form::KEY_FIELD ); ?>" value="<?php echo esc_attr( $submission_key ); ?>">

		<?php $senw_consent_error = isset( $senw_errors['consent'] ) ? (string) $senw_errors['consent'] : ''; ?>
		<p class="senw-field senw-field-consent<?php echo '' !== $senw_consent_error ? ' senw-has-error' : ''; ?>">
			<input type="checkbox" id="<?php echo esc_attr( $form_id ); ?>-consent" name="consent" value="1" aria-describedby="<?php echo esc_attr( $form_id ); ?>-consent-error"<?php checked( ! empty( $senw_values['consent'] ) ); ?>>
			<label for="<?php echo esc_attr( $form_id ); ?>-consent" class="senw-consent-text"><?php echo esc_html( $consent_text ); ?></label>
			<span class="senw-field-error" id="<?php echo esc_attr( $form_id ); ?>-consent-error" data-senw-error="consent"><?php echo esc_html( $senw_consent_error ); ?></span>
		</p>
		<p class="senw-recognition-note"><small><?php esc_html_e( 'With your consent this site also remembers this device (a cookie with a random code, no personal details), so your agent sees the listings you look at.', 'senw-crm' ); ?> <a href="<?php echo esc_url( SENW_CRM_Visitor::forget_url() ); ?>" rel="nofollow"><?php esc_html_e( 'Forget me on this device', 'senw-crm' ); ?></a></small></p>

		<?php // People never see this field; a bot that fills it is thanked and ignored. ?>
		<p class="senw-hp" aria-hidden="true" style="position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden;">
			<label for="<?php echo esc_attr( $form_id ); ?>-hp"><?php esc_html_e( 'Leave this field empty', 'senw-crm' ); ?></label>
			<input type="text" id="<?php echo esc_attr( $form_id ); ?>-hp" name="<?php echo esc_attr( SENW_CRM_Lead_Form::HONEYPOT ); ?>" value="" tabindex="-1" autocomplete="off">
		</p>
		<input type="hidden" name="<?php echo esc_attr( SENW_CRM_Lead_Form::NONCE_FIELD ); ?>" value="<?php echo esc_attr( $capture_nonce ); ?>">
		<input type="hidden" name="_wpnonce" value="<?php echo esc_attr( $rest_nonce ); ?>">
		<input type="hidden" name="<?php echo esc_attr( SENW_CRM_Lead_Form::RETURN_FIELD ); ?>" value="<?php echo esc_url( $return_url ); ?>">

		<p class="senw-submit">
			<button type="submit" class="senw-lead-submit"><?php esc_html_e( 'Send', 'senw-crm' ); ?></button>
		</p>
	</form>
<?php endif; ?>
</div>
